/**
 * Keep-best-epoch and early stopping for a trial that trains one epoch per step: remembers the epoch with the
 * lowest validation error (and what it trained), and says when `patience` epochs have passed without a better
 * one. Validation error often rises again after its minimum (overfitting, a learning rate too high late on);
 * the trial's result is its best epoch, not its last.
 */
export class BestEpoch<T> {
  #best: { epoch: number; value: number; kept?: T } | undefined;
  #latest = 0;

  /** Records an epoch's validation error (lower is better); a non-finite one never becomes the best. */
  observe(epoch: number, value: number, kept: T): void {
    this.#latest = epoch;
    if (Number.isFinite(value) && !(this.#best && this.#best.value <= value)) this.#best = { epoch, value, kept };
  }

  /** A best epoch known from before a restore, whose artifacts are already saved: `kept` stays undefined. */
  restore(epoch: number, value: number, latest: number): void {
    this.#best = { epoch, value };
    this.#latest = latest;
  }

  get epoch(): number | undefined {
    return this.#best?.epoch;
  }

  get value(): number | undefined {
    return this.#best?.value;
  }

  /** What the best epoch trained, when it was trained since the last restore. */
  get kept(): T | undefined {
    return this.#best?.kept;
  }

  /** Epochs since the best one (0 at the best; every epoch so far when none scored). */
  get stale(): number {
    return this.#latest - (this.#best?.epoch ?? 0);
  }

  /** Whether `patience` epochs have passed without a better one. */
  exhausted(patience: number | undefined): boolean {
    return patience !== undefined && this.stale >= patience;
  }
}
