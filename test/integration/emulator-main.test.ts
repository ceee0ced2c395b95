import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { EC2Client, paginateDescribeInstances } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const Ready = z.object({
  url: z.url(),
  hubAccountId: z.string(),
  accounts: z.array(z.object({ id: z.string(), roleArn: z.string(), externalId: z.string().optional() })),
  regions: z.array(z.string()),
  instances: z.number(),
});

let child: ChildProcess | null = null;

afterEach(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  child = null;
});

async function firstLine(proc: ChildProcess): Promise<string> {
  if (!proc.stdout) throw new Error('no stdout');
  const lines = createInterface({ input: proc.stdout });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return line;
}

describe('src/sandbox/aws/main.ts', () => {
  it('serves a generated fleet, reports stats and stops cleanly on SIGTERM', async () => {
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/sandbox/aws/main.ts',
        '--instances',
        '300',
        '--accounts',
        '2',
        '--regions',
        '2',
        '--seed',
        '9',
        '--port',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const ready = Ready.parse(JSON.parse(await firstLine(child)));
    const [account] = ready.accounts;
    const hub = { accessKeyId: 'AKIAHUBEXAMPLE', secretAccessKey: 'hub-secret' };
    const sts = new STSClient({ endpoint: ready.url, region: 'us-east-1', credentials: hub, maxAttempts: 1 });
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: account?.roleArn,
        RoleSessionName: 'local',
        ExternalId: account?.externalId,
      }),
    );
    let seen = 0;
    for (const region of ready.regions) {
      const ec2 = new EC2Client({
        endpoint: ready.url,
        region,
        maxAttempts: 1,
        credentials: {
          accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
          secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
          sessionToken: assumed.Credentials?.SessionToken ?? '',
        },
      });
      for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 1000 }, {})) {
        seen += page.Reservations?.flatMap((r) => r.Instances ?? []).length ?? 0;
      }
    }
    const stats = (await (await fetch(`${ready.url}/__emulator/stats`)).json()) as {
      byAction: Record<string, number>;
    };
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(ready).toMatchObject({
      hubAccountId: '111111111111',
      regions: ['us-east-1', 'us-east-2'],
      instances: 300,
    });
    expect(ready.accounts).toHaveLength(2);
    expect(seen).toBeGreaterThan(0);
    expect(stats.byAction['ec2:DescribeInstances']).toBe(2);
    expect(code).toBe(0);
  });
});
