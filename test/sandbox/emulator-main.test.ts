import type { ChildProcess } from 'node:child_process';
import { EC2Client, paginateDescribeInstances } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { firstJsonLine, killIfRunning, spawnTsx, terminate } from '../support/child-json.js';
import { assumeRole, sdkConfig } from '../support/emulator-clients.js';

const Ready = z.object({
  url: z.url(),
  hubAccountId: z.string(),
  accounts: z.array(z.object({ id: z.string(), roleArn: z.string(), externalId: z.string().optional() })),
  regions: z.array(z.string()),
  instances: z.number(),
});

let child: ChildProcess | undefined;

afterEach(() => {
  killIfRunning(child);
  child = undefined;
});

describe('sandbox/aws/main.ts', () => {
  it('serves a generated fleet, reports stats and stops cleanly on SIGTERM', async () => {
    const args = ['--instances', '300', '--accounts', '2', '--regions', '2', '--seed', '9', '--port', '0'];
    child = spawnTsx('sandbox/aws/main.ts', args);
    const ready = await firstJsonLine(child, Ready);
    const [account] = ready.accounts;
    const assumed = await assumeRole(
      ready.url,
      { RoleArn: account?.roleArn, RoleSessionName: 'local', ExternalId: account?.externalId },
      'us-east-1',
    );
    let seen = 0;
    for (const region of ready.regions) {
      const ec2 = new EC2Client(sdkConfig(ready.url, assumed, region));
      for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 1000 }, {})) {
        seen += page.Reservations?.flatMap((r) => r.Instances ?? []).length ?? 0;
      }
    }
    const stats = (await (await fetch(`${ready.url}/__emulator/stats`)).json()) as {
      byAction: Record<string, number>;
    };
    const code = await terminate(child);

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
