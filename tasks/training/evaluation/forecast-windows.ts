/**
 * Forecast windows for the standard evaluation protocol (as in DCRNN, Graph WaveNet, STAEformer): at each
 * five-minute slot of each sensor, the last `history` slots are the input and the next `steps` slots the
 * targets. Missing readings are masked, not guessed: a missing input is NaN (the predictors fill it their
 * way), a missing target is NaN and left out of every metric. A window needs its anchor (the last history
 * slot) observed, so "last value" always has an answer, and at least one target observed.
 *
 * A window is emitted once the sensor's readings have reached its last target slot; windows whose targets run
 * past the end of the data are not emitted (their targets are unknown, not missing), nor windows whose history
 * reaches before the sensor's first reading. Readings must come in
 * time order per sensor (the lake's are); a repeated or earlier slot is dropped and counted. Memory: one ring
 * of `history + steps` slots per sensor.
 */
export const SLOT_MS = 5 * 60_000;
export const SLOTS_PER_DAY = (24 * 60 * 60_000) / SLOT_MS;

export interface ForecastWindow {
  sensor: string;
  city: string;
  /** Start of the anchor slot (ms since the epoch). */
  anchorMs: number;
  /** Slot of the day of the anchor, 0–287, in the sensor's local time (from the sample's local hour). */
  anchorSlotOfDay: number;
  /** `history` values, oldest first, the anchor last; NaN where missing. */
  history: Float64Array;
  /** `steps` values, the next slot first; NaN where missing. */
  targets: Float64Array;
}

interface SensorRing {
  city: string;
  /** The sensor's first slot: a window reaching before it has unknown history, not missing history. */
  firstSlot: number;
  lastSlot: number;
  values: Float64Array;
  /** Which slot each ring cell holds (a cell of another slot is stale: missing). */
  slots: Float64Array;
  /** Slot of the day of the latest reading, and its slot: the slot of the day of any slot follows. */
  dayAnchor: { slot: number; slotOfDay: number };
}

export interface ForecastWindowOptions {
  history: number;
  steps: number;
  /** Only windows whose every slot, first history to last target, lies in [from, to) (ms). */
  from?: number;
  to?: number;
}

export class ForecastWindows {
  readonly #sensors = new Map<string, SensorRing>();
  readonly #span: number;
  /** Readings dropped because their slot repeats or precedes the sensor's latest. */
  outOfOrder = 0;

  constructor(private readonly o: ForecastWindowOptions) {
    if (!Number.isInteger(o.history) || o.history < 1) throw new RangeError(`history must be a whole number of slots ≥ 1, not ${o.history}`);
    if (!Number.isInteger(o.steps) || o.steps < 1) throw new RangeError(`steps must be a whole number of slots ≥ 1, not ${o.steps}`);
    this.#span = o.history + o.steps;
  }

  /**
   * One reading: `localHour` is the sample's local hour (the lake's `hour` column), which places the slot in
   * the sensor's day. Returns the windows this reading completed.
   */
  push(sensor: string, city: string, timestampMs: number, localHour: number, value: number): ForecastWindow[] {
    if (!Number.isFinite(timestampMs)) return [];
    const slot = Math.floor(timestampMs / SLOT_MS);
    const minuteSlot = Math.floor((Math.floor(timestampMs / 60_000) % 60) / 5);
    let s = this.#sensors.get(sensor);
    if (!s) {
      s = { city, firstSlot: slot, lastSlot: -Infinity, values: new Float64Array(this.#span).fill(Number.NaN), slots: new Float64Array(this.#span).fill(-1), dayAnchor: { slot, slotOfDay: 0 } };
      this.#sensors.set(sensor, s);
    }
    if (slot <= s.lastSlot) {
      this.outOfOrder++;
      return [];
    }
    const out: ForecastWindow[] = [];
    // Windows whose targets ended in the gap before this reading: emitted before it takes its ring cell (which
    // may hold a slot they read). None before a sensor's first reading.
    if (Number.isFinite(s.lastSlot)) {
      for (let anchor = Math.max(s.lastSlot - this.o.steps + 1, slot - this.#span); anchor < slot - this.o.steps; anchor++) this.#emit(out, sensor, s, anchor);
    }
    const at = this.#cell(slot);
    s.values[at] = Number.isFinite(value) ? value : Number.NaN;
    s.slots[at] = slot;
    s.lastSlot = slot;
    s.dayAnchor = { slot, slotOfDay: (((localHour * 12 + minuteSlot) % SLOTS_PER_DAY) + SLOTS_PER_DAY) % SLOTS_PER_DAY };
    this.#emit(out, sensor, s, slot - this.o.steps);
    return out;
  }

  #emit(out: ForecastWindow[], sensor: string, s: SensorRing, anchor: number): void {
    const w = this.#window(sensor, s, anchor);
    if (w) out.push(w);
  }

  #cell(slot: number): number {
    return ((slot % this.#span) + this.#span) % this.#span;
  }

  #value(s: SensorRing, slot: number): number {
    const c = this.#cell(slot);
    return s.slots[c] === slot ? s.values[c]! : Number.NaN;
  }

  #window(sensor: string, s: SensorRing, anchor: number): ForecastWindow | undefined {
    const { history, steps, from, to } = this.o;
    const firstMs = (anchor - history + 1) * SLOT_MS;
    const lastMs = (anchor + steps) * SLOT_MS;
    if ((from !== undefined && firstMs < from) || (to !== undefined && lastMs >= to)) return undefined;
    if (anchor - history + 1 < s.firstSlot) return undefined;
    if (!Number.isFinite(this.#value(s, anchor))) return undefined;
    const h = new Float64Array(history);
    for (let k = 0; k < history; k++) h[k] = this.#value(s, anchor - history + 1 + k);
    const t = new Float64Array(steps);
    let observed = 0;
    for (let k = 0; k < steps; k++) {
      t[k] = this.#value(s, anchor + 1 + k);
      if (Number.isFinite(t[k]!)) observed++;
    }
    if (observed === 0) return undefined;
    const slotOfDay = (((s.dayAnchor.slotOfDay - (s.dayAnchor.slot - anchor)) % SLOTS_PER_DAY) + SLOTS_PER_DAY) % SLOTS_PER_DAY;
    return { sensor, city: s.city, anchorMs: anchor * SLOT_MS, anchorSlotOfDay: slotOfDay, history: h, targets: t };
  }
}

/** The history with each missing value replaced by the latest one before it (the first present one at the start). */
export function forwardFilled(history: Float64Array): Float64Array {
  const out = new Float64Array(history.length);
  let carry = history.find((v) => Number.isFinite(v)) ?? Number.NaN;
  for (let k = 0; k < history.length; k++) {
    if (Number.isFinite(history[k]!)) carry = history[k]!;
    out[k] = carry;
  }
  return out;
}
