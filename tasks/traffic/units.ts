/**
 * Speed units: the lake holds km/h; datasets arrive in other units (US loop detectors report mph) and
 * reports are wanted in the dataset's own. One table, so importing and evaluating agree on every factor.
 */
/** km/h in one unit of each. */
export const SPEED_UNITS = { kmh: 1, mph: 1.609344, ms: 3.6 } as const;
export type SpeedUnit = keyof typeof SPEED_UNITS;
/** The units by name, as a tuple (for a zod enum or a flag's choices). */
export const SPEED_UNIT_NAMES = ['kmh', 'mph', 'ms'] as const satisfies readonly SpeedUnit[];

export const SPEED_UNIT_LABELS: Record<SpeedUnit, string> = { kmh: 'km/h', mph: 'mph', ms: 'm/s' };

export function isSpeedUnit(text: string): text is SpeedUnit {
  return Object.hasOwn(SPEED_UNITS, text);
}
