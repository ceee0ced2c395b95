/**
 * The bot's clock in the sandbox: the wall clock plus an offset that only grows. Fast-forwarding
 * moves the offset; everything the bot dates (snoozes, request expiry, cards) follows it.
 */
export class SandboxClock {
  private offset = 0;

  now = (): Date => new Date(Date.now() + this.offset);

  offsetMs(): number {
    return this.offset;
  }

  /** Moves the clock to `at` (never backwards); returns how far it moved (ms). */
  advanceTo(at: Date): number {
    const step = Math.max(0, at.getTime() - this.now().getTime());
    this.offset += step;
    return step;
  }
}
