import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { silentLogger } from '../../src/adapters/log.js';
import { loadWorkflow } from '../../src/config/workflow.js';
import { createApp } from '../../src/main.js';
import { runCli } from '../support/cli-process.js';
import { hubEnv, testEnv } from '../support/harness.js';

const ACCOUNT = '777777777777';
const REGION = 'eu-west-1';
const DAY = 86_400_000;

/**
 * Non-production first, counted through the real CLI: production laggards whose non-production
 * twin (same app tag or Name) already requires tokens, unless the twin was rolled back (audit
 * trail) or rejected IMDSv1 calls after the bot enforced it (MetadataNoTokenRejected).
 */
describe('imds-bot scan / report: production laggards with an enforced non-production twin', () => {
  let emulator: AwsEmulator;
  let env: Record<string, string>;
  let workflow: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const fleet = new Fleet({ seed: 12 });
    fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
    const launchTime = new Date(Date.now() - 30 * DAY);
    const add = (key: string, tags: Record<string, string>, extra: object = {}) => {
      ids[key] = fleet.addInstance({
        accountId: ACCOUNT,
        region: REGION,
        launchTime,
        tags,
        ...extra,
      }).instanceId;
    };
    const required = { metadata: { httpTokens: 'required' as const } };
    add('shop', { Environment: 'prod', app: 'shop' });
    add('shopDev', { Environment: 'dev', app: 'Shop' }, required);
    add('pay', { Environment: 'prod', app: 'pay' });
    add(
      'payDev',
      { Environment: 'staging', app: 'pay' },
      { ...required, usage: { kind: 'steady', callsPerHour: 60 } },
    );
    add('web', { Environment: 'prod', app: 'web' });
    add('webDev', { env: 'qa', app: 'web' }, required);
    add('api', { Environment: 'production', Name: 'api' });
    add('apiDev', { stage: 'test', Name: 'api' }, required);
    add('lonely', { Environment: 'prod', app: 'billing' });
    add('unknownEnv', { app: 'billing' }, required);
    emulator = await startAwsEmulator({ fleet, throttle: false });
    const dir = mkdtempSync(join(tmpdir(), 'imds-twins-'));
    workflow = join(dir, 'twins.yaml');
    writeFileSync(
      workflow,
      `version: 1\nname: twins\nscope:\n  accounts:\n    - id: "${ACCOUNT}"\n      roleArn: arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner\n  regions: [${REGION}]\n`,
    );
    env = {
      ...(process.env as Record<string, string>),
      ...testEnv(),
      ...hubEnv(emulator.url),
    };
    // arrange what the bot would have recorded: payDev enforced by it (watched for rejected calls),
    // webDev enforced and rolled back
    const app = await createApp({ env, workflow: await loadWorkflow(workflow), log: silentLogger() });
    try {
      const at = new Date(Date.now() - DAY / 2);
      await app.store.watch({ accountId: ACCOUNT, region: REGION, instanceId: ids.payDev ?? '' }, 'CR-1', at);
      const target = { accountId: ACCOUNT, region: REGION, resource: ids.webDev ?? '' };
      const entry = {
        at: at.toISOString(),
        actor: { userId: 'U1', name: 'alice' },
        target,
        requestId: 'CR-2',
        before: null,
        reason: null,
        awsRequestId: null,
        jobId: null,
        card: null,
      };
      await app.audit.append({ ...entry, type: 'verified', after: { httpTokens: 'required' } });
      await app.audit.append({ ...entry, type: 'rolled-back', after: null });
    } finally {
      await app.close();
    }
  });
  afterAll(async () => emulator?.close());

  it('scan --format json counts 2 of 5 and names the pairs; table and csv show the same', async () => {
    const r = await runCli(env, ['scan', '--workflow', workflow, '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.nonProdTwins).toEqual({
      prodLaggards: 5,
      withTwin: 2,
      pairs: expect.arrayContaining([
        { instanceId: ids.shop, twinId: ids.shopDev, key: 'app', value: 'shop' },
        { instanceId: ids.api, twinId: ids.apiDev, key: 'Name', value: 'api' },
      ]),
    });

    const table = await runCli(env, ['report', '--workflow', workflow]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(
      'Production laggards with a non-production twin (same app tag or Name) already enforced without breakage: 2 of 5',
    );
    expect(table.stdout).toMatch(new RegExp(`${ids.shop}\\s+${ids.shopDev}\\s+app=shop`));

    const csv = await runCli(env, ['report', '--workflow', workflow, '--format', 'csv']);
    const rows = csv.stdout.trim().split('\r\n');
    expect(rows[0]?.endsWith(',nonProdTwin')).toBe(true);
    const twinOf = (id: string | undefined) =>
      rows
        .find((l) => l.startsWith(`${id},`))
        ?.split(',')
        .at(-1);
    expect(twinOf(ids.shop)).toBe(ids.shopDev);
    expect(twinOf(ids.pay)).toBe('');
    expect(twinOf(ids.web)).toBe('');
  });
});
