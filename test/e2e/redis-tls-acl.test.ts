import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { runCli } from '../support/cli-process.js';
import { hubEnv, testEnv } from '../support/harness.js';

const run = promisify(execFile);
const ACCOUNT = '777777777777';
const PASSWORD = 's3cret-Pw';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

/**
 * `rediss://user:password@…`: a real redis-server that speaks only TLS (its certificate from a CA
 * of the test's own, trusted through NODE_EXTRA_CA_CERTS as an operator would) and refuses the
 * default user, so every command must AUTH as an ACL user.
 */
describe('Redis over TLS with an ACL user (rediss://user:password@host)', () => {
  let dir: string;
  let port: number;
  let redis: ChildProcess;
  let emulator: AwsEmulator;
  let env: Record<string, string>;
  let workflow: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imds-tls-'));
    await run('openssl', [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
      ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      ...['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ]);
    port = await freePort();
    redis = spawn(
      'redis-server',
      [
        ...['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1'],
        ...['--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem')],
        ...['--tls-ca-cert-file', join(dir, 'cert.pem'), '--tls-auth-clients', 'no'],
        ...['--user', 'default', 'off', '--user', 'imdsbot', 'on', `>${PASSWORD}`, '~*', '&*', '+@all'],
        ...['--save', '', '--appendonly', 'no', '--dir', dir],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      let out = '';
      redis.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
      redis.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
    });
    const fleet = new Fleet({ seed: 3 });
    fleet.addAccount({ id: ACCOUNT, regions: ['eu-west-1'] });
    fleet.addInstance({ accountId: ACCOUNT, region: 'eu-west-1', tags: { Name: 'web-1' } });
    fleet.addInstance({
      accountId: ACCOUNT,
      region: 'eu-west-1',
      metadata: { httpTokens: 'required' },
      tags: { Name: 'web-2' },
    });
    emulator = await startAwsEmulator({ fleet, throttle: false });
    workflow = join(dir, 'tls.yaml');
    writeFileSync(
      workflow,
      [
        'version: 1',
        'name: tls',
        'scope:',
        '  accounts:',
        `    - id: "${ACCOUNT}"`,
        `      roleArn: arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner`,
        '  regions: [eu-west-1]',
        '',
      ].join('\n'),
    );
    env = {
      ...(process.env as Record<string, string>),
      ...testEnv(),
      REDIS_URL: `rediss://imdsbot:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`,
      NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
      ...hubEnv(emulator.url),
    };
  }, 60_000);
  afterAll(async () => {
    redis?.kill('SIGTERM');
    await emulator?.close();
  });

  it('scans and reports through the TLS connection, authenticated as the ACL user', async () => {
    const scan = await runCli(env, ['scan', '--workflow', workflow, '--format', 'json']);
    expect(scan.code).toBe(0);
    expect(JSON.parse(scan.stdout).summary).toMatchObject({ instances: 2, laggards: 1 });

    // the findings were stored in that Redis: `report` reads them back over TLS
    const report = await runCli(env, ['report', '--workflow', workflow, '--format', 'json']);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout).summary).toMatchObject({ instances: 2, laggards: 1 });

    expect((await runCli(env, ['health', '--workflow', workflow])).code).toBe(0);
  }, 120_000);

  it('a wrong password fails health with one line that does not show the password', async () => {
    const wrong = { ...env, REDIS_URL: `rediss://imdsbot:not-it@127.0.0.1:${port}` };
    const r = await runCli(wrong, ['health', '--workflow', workflow], { killAfterMs: 30_000 });
    expect(r.killed).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toContain('not-it');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('plain redis:// to the TLS-only port fails health instead of hanging', async () => {
    const plain = { ...env, REDIS_URL: `redis://imdsbot:${PASSWORD}@127.0.0.1:${port}` };
    const r = await runCli(plain, ['health', '--workflow', workflow], { killAfterMs: 30_000 });
    expect(r.killed).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toContain(PASSWORD);
  }, 60_000);
});
