/** Call statistics, for tests and benchmarks. */
export interface EmulatorStats {
  calls: number;
  /** by `service:Action`, e.g. `ec2:DescribeInstances` */
  byAction: Record<string, number>;
  /** by `accountId:region` */
  byScope: Record<string, number>;
  throttled: number;
  throttledByAction: Record<string, number>;
  faulted: number;
  /** error answers (throttling and faults included) by error code */
  errorsByCode: Record<string, number>;
}

const bump = (record: Record<string, number>, key: string): void => {
  record[key] = (record[key] ?? 0) + 1;
};

export class StatsCollector {
  private data: EmulatorStats = StatsCollector.empty();

  private static empty(): EmulatorStats {
    return {
      calls: 0,
      byAction: {},
      byScope: {},
      throttled: 0,
      throttledByAction: {},
      faulted: 0,
      errorsByCode: {},
    };
  }

  call(actionKey: string, scopeKey: string): void {
    this.data.calls++;
    bump(this.data.byAction, actionKey);
    bump(this.data.byScope, scopeKey);
  }

  throttled(actionKey: string): void {
    this.data.throttled++;
    bump(this.data.throttledByAction, actionKey);
  }

  faulted(): void {
    this.data.faulted++;
  }

  error(code: string): void {
    bump(this.data.errorsByCode, code);
  }

  snapshot(): EmulatorStats {
    return structuredClone(this.data);
  }

  reset(): void {
    this.data = StatsCollector.empty();
  }
}
