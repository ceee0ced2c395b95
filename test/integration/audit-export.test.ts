// `imds-bot audit export --format jsonl|ocsf` on a real Redis audit chain: every JSON line matches
// the documented JSON Schema (docs/audit-entry.schema.json, read as the file a SIEM team would
// read) and verifies with the documented procedure; every OCSF event carries the required fields
// of API Activity and its base event; text a person typed stays exact and never adds a line.
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAuditStore } from '../../src/adapters/redis/audit.js';
import { exportTrail } from '../../src/cli/audit.js';
import {
  type AuditBody,
  AuditEntry,
  AuditType,
  GENESIS_HASH,
  hashOf,
} from '../../src/domain/change/audit-chain.js';
import { OCSF_API_ACTIVITY_REQUIRED } from '../../src/report/audit-formats.js';
import { testRedis } from '../support/redis-prefix.js';

const schemaFile = JSON.parse(
  readFileSync(new URL('../../docs/audit-entry.schema.json', import.meta.url), 'utf8'),
) as { properties: Record<string, { enum?: string[] }> };
const documented = z.fromJSONSchema(schemaFile as Parameters<typeof z.fromJSONSchema>[0]);

/** What a person could type to forge a line: a line break, then an entry of their own. */
const FORGERY = 'fine\n{"schemaVersion":1,"seq":999,"type":"approved"}\r\n\u2028"quoted" \\ \u0007';

const bodies: AuditBody[] = [
  {
    at: '2026-11-30T10:00:00.000Z',
    type: 'requested',
    actor: { userId: 'U0ALICE', name: 'Alice "the admin"\n{"x":1}' },
    target: { accountId: '123456789012', region: 'eu-west-1', resource: 'i-0123456789abcdef0' },
    requestId: 'cr-1',
    before: null,
    after: null,
    reason: FORGERY,
    awsRequestId: null,
    jobId: null,
    card: { channel: 'C0SEC', ts: '1700000000.000100' },
  },
  {
    at: '2026-11-30T10:05:00.000Z',
    type: 'applied',
    actor: { system: 'worker' },
    target: { accountId: '123456789012', region: 'eu-west-1', resource: 'i-0123456789abcdef0' },
    requestId: 'cr-1',
    before: { httpTokens: 'optional' },
    after: { httpTokens: 'required' },
    reason: null,
    awsRequestId: 'aws-req-1',
    jobId: 'job-1',
    card: null,
    session: {
      roleArn: 'arn:aws:iam::123456789012:role/ImdsBotChange',
      sessionName: 'imds-bot.cr-1.U0ALICE',
      sourceIdentity: 'U0ALICE+alice@cr-1',
    },
  },
  {
    at: '2026-12-01T08:00:00.000Z',
    type: 'refused',
    actor: { userId: 'U0MALLORY', name: 'mallory' },
    target: { accountId: '123456789012', region: 'eu-west-1', resource: 'account-default' },
    requestId: null,
    before: null,
    after: null,
    reason: 'approver is the requester',
    awsRequestId: null,
    jobId: null,
    card: null,
  },
];

async function exported(store: ReturnType<typeof createAuditStore>, format: string, since?: string) {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => {
    text += d.toString('utf8');
  });
  const code = await exportTrail(store, { format, since }, out, err);
  return { code, text, err: String(err.read() ?? '') };
}

describe('audit export', () => {
  const { redis, freshPrefix } = testRedis();
  const store = createAuditStore({ redis, prefix: freshPrefix() });

  it('jsonl: one line per entry, each valid against the documented schema and verifiable as documented', async () => {
    for (const b of bodies) await store.append(b);
    const { code, text } = await exported(store, 'jsonl');
    expect(code).toBe(0);
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    let prev = GENESIS_HASH;
    for (const line of lines) {
      expect(line.startsWith('{"schemaVersion":1,')).toBe(true);
      expect(line).not.toMatch(/[\r\u2028\u2029]/);
      const record = JSON.parse(line) as Record<string, unknown>;
      expect(documented.safeParse(record).error?.issues ?? []).toEqual([]);
      const { schemaVersion: _v, hash, ...unhashed } = record;
      expect(unhashed.prevHash).toBe(prev);
      expect(hashOf(unhashed as Parameters<typeof hashOf>[0])).toBe(hash);
      prev = hash as string;
    }
    const first = JSON.parse(lines[0] ?? '') as { reason: string; actor: { name: string } };
    expect(first.reason).toBe(FORGERY);
    expect(first.actor.name).toBe('Alice "the admin"\n{"x":1}');
  });

  it('the documented schema names every field and type an entry can have (no silent drift)', () => {
    expect(Object.keys(schemaFile.properties).sort()).toEqual(
      ['schemaVersion', ...Object.keys(AuditEntry.shape)].sort(),
    );
    expect(schemaFile.properties.type?.enum).toEqual(AuditType.options);
  });

  it('the documented schema refuses what it does not describe (it is a real check)', () => {
    const ok = { schemaVersion: 1, seq: 1, at: '2026-01-01T00:00:00.000Z', type: 'approved' };
    const full = {
      ...ok,
      actor: { system: 'worker' },
      target: { accountId: '1', region: 'r', resource: 'i-1' },
      requestId: null,
      before: null,
      after: null,
      reason: null,
      awsRequestId: null,
      jobId: null,
      card: null,
      prevHash: GENESIS_HASH,
      hash: GENESIS_HASH,
    };
    expect(documented.safeParse(full).success).toBe(true);
    expect(documented.safeParse({ ...full, type: 'deleted' }).success).toBe(false);
    expect(documented.safeParse({ ...full, schemaVersion: 2 }).success).toBe(false);
    expect(documented.safeParse({ ...full, forged: true }).success).toBe(false);
  });

  it('ocsf: API Activity events with every required field, mapped as docs/audit-schema.md says', async () => {
    const { code, text } = await exported(store, 'ocsf');
    expect(code).toBe(0);
    const events = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toHaveLength(3);
    expect(text).not.toMatch(/[\r\u2028\u2029]/);
    for (const e of events) {
      for (const key of OCSF_API_ACTIVITY_REQUIRED) expect(e[key], key).toBeDefined();
      expect(e).toMatchObject({ category_uid: 6, class_uid: 6003, metadata: { version: '1.3.0' } });
      expect(e.type_uid).toBe(600300 + (e.activity_id as number));
      expect(e).toHaveProperty('api.operation');
      expect(e).toHaveProperty('metadata.product.name', 'imds-bot');
      expect(e).toHaveProperty('actor.user.uid');
      expect(Object.keys(e.src_endpoint as object)).toContain('svc_name');
    }
    const [requested, applied, refused] = events;
    expect(requested).toMatchObject({
      activity_id: 1,
      status_id: 1,
      status_detail: FORGERY,
      actor: { user: { uid: 'U0ALICE', type_id: 1 } },
      src_endpoint: { svc_name: 'slack' },
      metadata: { sequence: 1, correlation_uid: 'cr-1' },
    });
    expect(applied).toMatchObject({
      activity_id: 3,
      api: { operation: 'applied', request: { uid: 'aws-req-1' } },
      actor: { user: { uid: 'system:worker', type_id: 3 } },
      src_endpoint: { svc_name: 'imds-bot' },
      resources: [{ uid: 'i-0123456789abcdef0', type: 'AWS::EC2::Instance' }],
      unmapped: {
        before: { httpTokens: 'optional' },
        after: { httpTokens: 'required' },
        session: { sourceIdentity: 'U0ALICE+alice@cr-1' },
      },
    });
    expect(refused).toMatchObject({ activity_id: 99, status_id: 2, severity_id: 3 });
  });

  it('--since keeps the later entries; a bad format or date is a usage error', async () => {
    const since = await exported(store, 'jsonl', '2026-12-01');
    expect(
      since.text
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { seq: number }).seq),
    ).toEqual([3]);
    expect((await exported(store, 'xml')).code).toBe(2);
    const bad = await exported(store, 'ocsf', 'yesterday\u001b[2J');
    expect(bad.code).toBe(2);
    expect(bad.err).not.toContain('\u001b');
  });
});
