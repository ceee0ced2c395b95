import type { CallRecord } from './types.js';

export interface CallSummary {
  total: number;
  /** per method: calls, ok, by HTTP status, by error */
  methods: Record<
    string,
    { calls: number; ok: number; statuses: Record<string, number>; errors: Record<string, number> }
  >;
}

/** Every call the fake answered, newest last; bounded (oldest dropped first). */
export class CallLog {
  private records: CallRecord[] = [];
  private readonly listeners = new Set<(record: CallRecord) => void>();

  constructor(private readonly limit: number) {}

  /** Called after every call (the sandbox page refreshes on it). */
  onAdd(listener: (record: CallRecord) => void): void {
    this.listeners.add(listener);
  }

  add(record: CallRecord): void {
    this.records.push(record);
    for (const listener of this.listeners) listener(record);
    if (this.records.length > this.limit + Math.ceil(this.limit / 10)) {
      this.records = this.records.slice(this.records.length - this.limit);
    }
  }

  /** All calls, or those of one method. */
  list(method?: string): CallRecord[] {
    const kept = this.records.length > this.limit ? this.records.slice(-this.limit) : this.records;
    return method === undefined ? [...kept] : kept.filter((c) => c.method === method);
  }

  reset(): void {
    this.records = [];
  }

  summary(): CallSummary {
    const methods: CallSummary['methods'] = {};
    for (const call of this.list()) {
      const entry = methods[call.method] ?? { calls: 0, ok: 0, statuses: {}, errors: {} };
      entry.calls += 1;
      if (call.ok) entry.ok += 1;
      entry.statuses[call.status] = (entry.statuses[call.status] ?? 0) + 1;
      if (call.error) entry.errors[call.error] = (entry.errors[call.error] ?? 0) + 1;
      methods[call.method] = entry;
    }
    return { total: this.list().length, methods };
  }
}
