import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The append-only audit trail, hash-chained: each entry's hash covers its whole content (seq and
 * prevHash included) and the previous entry's hash, so a modified, deleted, reordered or forged entry
 * breaks the chain where it happened. Truncating the tail, or rewriting every entry after a point,
 * is only caught against a head kept elsewhere (compare `result().head` with it).
 */

export const GENESIS_HASH = '0'.repeat(64);

const Hash = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest');

export const AuditType = z.enum([
  'requested',
  'approved',
  'denied',
  'expired',
  'applying',
  'applied',
  'verified',
  'failed',
  'rolled-back',
  'snoozed',
  'unsnoozed',
  'acknowledged',
  'override',
  /** an instance of a request left unchanged, with why (e.g. it turned in-use since the request) */
  'skipped',
  /** an attempt the bot refused (who, what, and why in `reason`) */
  'refused',
  /** a change that runs on after it is applied (an instance refresh) reached its end, in `after` */
  'finished',
]);
export type AuditType = z.infer<typeof AuditType>;

export const AuditActor = z.union([
  z.strictObject({ userId: z.string().min(1), name: z.string() }),
  z.strictObject({ system: z.string().min(1) }),
]);
export type AuditActor = z.infer<typeof AuditActor>;

const JsonRecord = z.record(z.string(), z.json());

/**
 * The STS session a change was made with, as CloudTrail in the member account shows it: the role,
 * the RoleSessionName and the SourceIdentity (both name the approver and the request).
 */
export const AuditSession = z.strictObject({
  roleArn: z.string(),
  sessionName: z.string(),
  sourceIdentity: z.string().nullable(),
});
export type AuditSession = z.infer<typeof AuditSession>;

export const AuditBody = z.strictObject({
  at: z.iso.datetime(),
  type: AuditType,
  actor: AuditActor,
  /** resource: an instance, launch template or `account-default` */
  target: z.strictObject({ accountId: z.string(), region: z.string(), resource: z.string() }),
  requestId: z.string().nullable(),
  before: JsonRecord.nullable(),
  after: JsonRecord.nullable(),
  reason: z.string().nullable(),
  awsRequestId: z.string().nullable(),
  jobId: z.string().nullable(),
  card: z.strictObject({ channel: z.string(), ts: z.string() }).nullable(),
  /** on the entries of a change made in AWS; absent on the others and on entries written before it */
  session: AuditSession.optional(),
});
export type AuditBody = z.infer<typeof AuditBody>;

export const AuditEntry = AuditBody.extend({
  /** 1 for the first entry, then +1 */
  seq: z.number().int().min(1),
  prevHash: Hash,
  hash: Hash,
});
export type AuditEntry = z.infer<typeof AuditEntry>;

const isPlainObject = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

function canonicalObject(value: object, path: string): string {
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue; // as JSON.stringify: an undefined property is an absent one
    parts.push(`${JSON.stringify(key)}:${canonical(v, `${path}.${key}`)}`);
  }
  return `{${parts.join(',')}}`;
}

function canonical(value: unknown, path: string): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number at ${path}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => canonical(v, `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object' && isPlainObject(value)) return canonicalObject(value, path);
  throw new TypeError(`canonicalJson: unsupported ${typeof value} at ${path}`);
}

/**
 * JSON with object keys sorted (by UTF-16 code units, recursively), no whitespace, numbers and strings
 * as JSON.stringify writes them. Throws on what JSON cannot carry faithfully: undefined (except as an
 * object property, dropped), functions, symbols, bigints, NaN/Infinity, class instances such as Date.
 */
export const canonicalJson = (value: unknown): string => canonical(value, '$');

/** sha256 hex of prevHash followed by the canonical JSON of the entry without its hash. */
export function hashOf(entry: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256').update(entry.prevHash).update(canonicalJson(entry)).digest('hex');
}

/** The next entry after `prev` (null: the first). Throws a ZodError on an invalid body. */
export function chainEntry(prev: AuditEntry | null, body: AuditBody): AuditEntry {
  const unhashed = {
    ...AuditBody.parse(body),
    seq: prev ? prev.seq + 1 : 1,
    prevHash: prev ? prev.hash : GENESIS_HASH,
  };
  return { ...unhashed, hash: hashOf(unhashed) };
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export type ChainResult =
  | { ok: true; count: number; head: ChainHead | null }
  | { ok: false; brokenAt: number; reason: string };

export interface ChainVerifier {
  push(entry: unknown): void;
  result(): ChainResult;
}

/**
 * Verifies entries one at a time, in order, keeping O(1) state: the expected seq and the last hash.
 * `after`: start from a trusted checkpoint instead of the genesis (verifying a suffix of the chain).
 * After the first break, further entries are ignored.
 */
export function createChainVerifier(after: ChainHead | null = null): ChainVerifier {
  let expectedSeq = after ? after.seq + 1 : 1;
  let lastHash = after ? after.hash : GENESIS_HASH;
  let count = 0;
  let broken: ChainResult | null = null;
  const check = (raw: unknown): string | null => {
    const parsed = AuditEntry.safeParse(raw);
    if (!parsed.success) return `malformed entry: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
    const entry = parsed.data;
    if (entry.seq !== expectedSeq)
      return `expected seq ${expectedSeq}, found ${entry.seq}: an entry is missing or out of order`;
    if (entry.prevHash !== lastHash) return `prevHash does not match the hash of entry ${expectedSeq - 1}`;
    const { hash, ...unhashed } = entry;
    if (hashOf(unhashed) !== hash) return 'hash does not match the content: the entry was modified';
    lastHash = hash;
    return null;
  };
  return {
    push(entry) {
      if (broken) return;
      const problem = check(entry);
      if (problem) broken = { ok: false, brokenAt: expectedSeq, reason: problem };
      else {
        expectedSeq += 1;
        count += 1;
      }
    },
    result() {
      if (broken) return broken;
      const head = count > 0 || after ? { seq: expectedSeq - 1, hash: lastHash } : null;
      return { ok: true, count, head };
    },
  };
}

/** Verifies a whole chain from the genesis (or from `after`). */
export function verifyChain(entries: Iterable<unknown>, after: ChainHead | null = null): ChainResult {
  const verifier = createChainVerifier(after);
  for (const entry of entries) verifier.push(entry);
  return verifier.result();
}
