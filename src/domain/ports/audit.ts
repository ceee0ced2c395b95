import type { Anchor } from '../change/audit-anchors.js';
import type { AuditBody, AuditEntry } from '../change/audit-chain.js';

/** Ports of the hash-chained audit trail and its anchors outside Redis. */

export interface AppendResult {
  entry: AuditEntry;
  /** the store's id of the entry */
  id: string;
  /** false when the idempotency key had already been used: `entry` is the one written then */
  created: boolean;
}

/** The hash-chained audit trail, as change control writes it. */
export interface AuditLog {
  /** appends one entry; with an idempotency key, a second append with it adds nothing */
  append(body: AuditBody, opts?: { idempotencyKey?: string }): Promise<AppendResult>;
  head(): Promise<AuditEntry | null>;
}

/** Instances' audit entries, newest first (the twins count reads enforcements and rollbacks). */
export interface AuditHistory {
  /** each instance's newest `limit` entries; an instance without any is not in the map */
  historyOf(instanceIds: readonly string[], limit: number): Promise<Map<string, AuditEntry[]>>;
}

/** Where the audit chain's head is written outside Redis (the anchor file). */
export interface AnchorLog {
  append(anchor: Anchor): Promise<void>;
}
