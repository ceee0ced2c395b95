import { mulberry32, type Rng } from '../aws/prng.js';
import type { ApiAnswer } from './types.js';

export interface FailSpec {
  /** HTTP status; absent with `error`: HTTP 200 { ok: false, error }; absent without: 500 */
  status?: 429 | 500 | 503 | undefined;
  /** Retry-After seconds of a 429 (default 1) */
  retryAfter?: number | undefined;
  /** the `error` of the body (429: 'ratelimited'; 500: 'internal_error'; 503: 'service_unavailable') */
  error?: string | undefined;
  /** how many calls in a row fail (default 1) */
  times?: number | undefined;
  /** carry the call out first, then answer the failure: Slack posted, the caller cannot know */
  afterCall?: boolean | undefined;
}

/** A planned failure for one call; `afterCall`: the method runs before the failure is answered. */
export interface TakenFault {
  answer: ApiAnswer;
  afterCall: boolean;
}

interface Planned {
  method: string;
  spec: FailSpec;
  remaining: number;
}

export function rateLimitedAnswer(retryAfter: number): ApiAnswer {
  return {
    status: 429,
    headers: { 'retry-after': String(retryAfter) },
    body: { ok: false, error: 'ratelimited' },
  };
}

function serverErrorAnswer(status: 500 | 503, error?: string): ApiAnswer {
  return {
    status,
    body: { ok: false, error: error ?? (status === 500 ? 'internal_error' : 'service_unavailable') },
  };
}

export function answerFor(spec: FailSpec): ApiAnswer {
  if (spec.status === 429) return rateLimitedAnswer(spec.retryAfter ?? 1);
  if (spec.status === undefined && spec.error !== undefined) {
    return { status: 200, body: { ok: false, error: spec.error } };
  }
  return serverErrorAnswer(spec.status ?? 500, spec.error);
}

/** Faults a test plans: `script.failNext('chat.postMessage', { status: 429, retryAfter: 2 })`. */
export class FaultScript {
  private readonly planned: Planned[] = [];

  /** The next `times` calls of `method` ('*': any method) fail as `spec` says; plans queue up in order. */
  failNext(method: string, spec: FailSpec = {}): void {
    this.planned.push({ method, spec, remaining: Math.max(1, spec.times ?? 1) });
  }

  clear(): void {
    this.planned.length = 0;
  }

  /** How many planned failures are left. */
  pending(): number {
    return this.planned.reduce((sum, p) => sum + p.remaining, 0);
  }

  /** The planned failure for this call, if any (and counts it). */
  take(method: string): TakenFault | null {
    const index = this.planned.findIndex((p) => p.method === method || p.method === '*');
    const plan = this.planned[index];
    if (!plan) return null;
    plan.remaining -= 1;
    if (plan.remaining <= 0) this.planned.splice(index, 1);
    return { answer: answerFor(plan.spec), afterCall: plan.spec.afterCall === true };
  }
}

/** Random 429s and 5xx for load tests, reproducible from a seed. */
export class RandomFaults {
  private readonly rng: Rng;

  constructor(
    private readonly share429: number,
    private readonly share5xx: number,
    seed: number,
  ) {
    this.rng = mulberry32(seed ^ 0xfa17);
  }

  draw(): ApiAnswer | null {
    if (this.share429 === 0 && this.share5xx === 0) return null;
    const roll = this.rng();
    if (roll < this.share429) return rateLimitedAnswer(1);
    if (roll < this.share429 + this.share5xx) return serverErrorAnswer(this.rng() < 0.5 ? 500 : 503);
    return null;
  }
}
