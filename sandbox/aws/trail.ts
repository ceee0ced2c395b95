import type { Principal } from './credentials.js';

/**
 * One call as CloudTrail would show it: who (the assumed role and its session name, the
 * SourceIdentity, whether a session policy was on it), what, where, and the error when refused.
 */
export interface TrailEvent {
  at: number;
  eventSource: string;
  eventName: string;
  region: string;
  accountId: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`, or the hub user's ARN */
  principalArn: string;
  accessKeyId: string;
  /** the role assumed; null for the hub's own key */
  roleName: string | null;
  sessionName: string | null;
  sourceIdentity: string | null;
  sessionPolicy: boolean;
  /** the call's top-level form parameters (InstanceId, HttpTokens…), as CloudTrail's requestParameters */
  requestParameters: Record<string, string>;
  /** set when the call was refused (AccessDenied, UnauthorizedOperation, a throttle…) */
  errorCode: string | null;
}

/** The last `capacity` calls (older ones dropped, so a scale test's millions of calls cost little). */
export class CallTrail {
  private events: TrailEvent[] = [];
  private readonly capacity: number;

  constructor(capacity = 20_000) {
    this.capacity = capacity;
  }

  record(
    call: { service: string; action: string; region: string; at: number; params: Record<string, string> },
    principal: Principal,
    errorCode: string | null,
  ): void {
    const session = principal.session;
    this.events.push({
      at: call.at,
      eventSource: `${call.service}.amazonaws.com`,
      eventName: call.action,
      region: call.region,
      accountId: principal.accountId,
      principalArn: principal.arn,
      accessKeyId: principal.accessKeyId,
      roleName: session?.roleName ?? null,
      sessionName: session?.sessionName ?? null,
      sourceIdentity: session?.sourceIdentity ?? null,
      sessionPolicy: session?.sessionPolicy != null,
      requestParameters: call.params,
      errorCode,
    });
    if (this.events.length > this.capacity * 1.5) this.events = this.events.slice(-this.capacity);
  }

  list(): TrailEvent[] {
    return this.events.slice(-this.capacity);
  }

  clear(): void {
    this.events = [];
  }
}
