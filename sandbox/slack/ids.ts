import { mulberry32, type Rng, randomChars } from '../aws/prng.js';

const HEX = '0123456789abcdef';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Ids shaped like Slack's: message ts, trigger ids, view/file/envelope ids. Seeded, unique per fake. */
export class IdMaker {
  private readonly rng: Rng;
  private lastMicros = 0;
  private counter = 0;

  constructor(
    seed: number,
    private readonly now: () => number,
  ) {
    this.rng = mulberry32(seed ^ 0x51ac);
  }

  /** A message ts '1712345678.000123': epoch seconds and microseconds, strictly increasing. */
  ts(): string {
    const micros = Math.max(this.now() * 1000, this.lastMicros + 1);
    this.lastMicros = micros;
    const seconds = Math.floor(micros / 1_000_000);
    const fraction = String(micros % 1_000_000).padStart(6, '0');
    return `${seconds}.${fraction}`;
  }

  /** '12345.98765.abcd2358fdea…' like Slack's trigger ids. */
  triggerId(): string {
    this.counter += 1;
    return `${Math.floor(this.now() / 1000)}.${this.counter}.${randomChars(this.rng, HEX, 32)}`;
  }

  /** An upper-case id with a prefix: V… views, F… files, D… DMs. */
  id(prefix: string): string {
    return `${prefix}${randomChars(this.rng, UPPER, 10)}`;
  }

  /** A url-safe token for response_url paths and Socket Mode tickets. */
  token(length = 24): string {
    return randomChars(this.rng, HEX, length);
  }

  uuid(): string {
    const h = randomChars(this.rng, HEX, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }

  /** A view hash '1712345678.abcdEF12' (views.update checks it). */
  viewHash(): string {
    return `${Math.floor(this.now() / 1000)}.${randomChars(this.rng, HEX, 8)}`;
  }
}

/** A DM id stable per user: U0123 → D0123 (Slack's are opaque but stable, too). */
export const dmIdFor = (userId: string): string => `D${userId.slice(1)}`;
