import type { AuditSession } from '../../domain/change/audit-chain.js';
import { CodedError } from '../../domain/errors.js';
import type { Message } from '../../domain/message.js';
import type { Json } from '../../domain/ports/change-memo.js';

/** What a change did, as the audit trail and the request record it. */
export interface Applied {
  before: Json | null;
  after: Json;
  awsRequestId: string | null;
  /** one line for the card's thread */
  note: string;
  /** the STS session the change was made with (null: the hub's own credentials) */
  session?: AuditSession | null;
  /** what the threads hear instead of "Done and verified: <note>" (a report of several lines) */
  threadNote?: Message;
}

export const asJson = (o: object): Json => JSON.parse(JSON.stringify(o)) as Json;

export const nothingToRestore = (requestId: string): CodedError =>
  new CodedError('nothing-to-restore', `${requestId}: the change it undoes has no captured before-state`);
