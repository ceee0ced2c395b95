/**
 * npm run bench:sdk-floor [-- --scopes 850 --accounts 50 --concurrency 32 --rounds 3 --latency-ms 20]
 *
 * The CPU a scan cannot go below while it uses the AWS SDK clients: the calls a 10,000-instance
 * scan of bench:scan makes (per scope: DescribeInstances, GetInstanceMetadataDefaults,
 * DescribeLaunchTemplateVersions; DescribeImages and GetMetricData in 690 of 850 scopes and
 * DescribeAutoScalingGroups in 295, in that proportion for other --scopes; one AssumeRole per
 * account), made through the production clients (createAwsClients from dist/, our fast readers
 * included) against the emulator with an empty fleet, so the answers are a few hundred bytes and
 * none of our scan logic, Redis or BullMQ runs. Prints the CPU of loading the SDK and of the
 * calls, in this process only (the emulator runs in its own). Asserts nothing.
 */
import { parseArgs } from 'node:util';
import { startEmulatorProcess } from './emulator-process.js';

const { values } = parseArgs({
  options: {
    scopes: { type: 'string', default: '850' },
    accounts: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    'latency-ms': { type: 'string', default: '20' },
  },
});

const cpuSeconds = (since?: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

const startEmulator = (accounts: number, regions: number) =>
  startEmulatorProcess([
    '--instances',
    '0',
    '--accounts',
    String(accounts),
    '--regions',
    String(regions),
    '--latency-ms',
    values['latency-ms'],
  ]);

async function main(): Promise<void> {
  const scopes = Number(values.scopes);
  const accounts = Number(values.accounts);
  const regions = Math.ceil(scopes / accounts);
  const emulator = await startEmulator(accounts, regions);
  process.env.AWS_ENDPOINT_URL = emulator.info.url;
  process.env.AWS_ACCESS_KEY_ID = 'AKIABENCH0000000001';
  process.env.AWS_SECRET_ACCESS_KEY = 'bench';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  try {
    const before = process.cpuUsage();
    // the production build (npm run build), as bench:scan runs it; typed by its sources
    const dist = '../../dist/src/adapters/aws';
    const { createAwsClients } = (await import(
      `${dist}/clients.js`
    )) as typeof import('../../src/adapters/aws/clients.js');
    const fast = (await import(
      `${dist}/fast-reads.js`
    )) as typeof import('../../src/adapters/aws/fast-reads.js');
    const { DescribeLaunchTemplateVersionsCommand, DescribeImagesCommand } = await import(
      '@aws-sdk/client-ec2'
    );
    const { DescribeAutoScalingGroupsCommand } = await import('@aws-sdk/client-auto-scaling');
    console.log(`loading the SDK clients and our readers: ${cpuSeconds(before).toFixed(2)} s CPU`);

    const list = emulator.info.accounts
      .flatMap((a) =>
        emulator.info.regions.map((region) => ({
          account: { accountId: a.id, roleArn: a.roleArn, externalId: a.externalId },
          region,
        })),
      )
      .slice(0, scopes);
    const now = Date.now();
    for (let round = 1; round <= Number(values.rounds); round += 1) {
      const aws = createAwsClients({ hubRegion: 'us-east-1', sessionName: 'imds-bot-bench' });
      let calls = 0;
      const scope = async (i: number) => {
        const { account, region } = list[i] as (typeof list)[number]; // regions x accounts >= scopes
        const c = aws.forScope(account, region);
        // as the scan asks (inventory.ts), so the request is the same size
        const live = { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] };
        await c.ec2.send(fast.describeInstancesCommand({ Filters: [live], MaxResults: 1000 }));
        await c.ec2.send(fast.getInstanceMetadataDefaultsCommand());
        await c.ec2.send(
          fast.fastPages('DescribeLaunchTemplateVersions')(
            new DescribeLaunchTemplateVersionsCommand({ Versions: ['$Latest', '$Default'] }),
          ),
        );
        calls += 3;
        if (i < (scopes * 690) / 850) {
          await c.ec2.send(
            fast.fastPages('DescribeImages')(
              new DescribeImagesCommand({
                Filters: [{ Name: 'image-id', Values: ['ami-0123456789abcdef0'] }],
              }),
            ),
          );
          await c.cloudwatch.send(
            fast.getMetricDataCommand({
              MetricDataQueries: [
                {
                  Id: 'q0',
                  ReturnData: true,
                  MetricStat: {
                    Metric: {
                      Namespace: 'AWS/EC2',
                      MetricName: 'MetadataNoToken',
                      Dimensions: [{ Name: 'InstanceId', Value: 'i-0123456789abcdef0' }],
                    },
                    Period: 3600,
                    Stat: 'Sum',
                  },
                },
              ],
              StartTime: new Date(now - 86_400_000),
              EndTime: new Date(now),
            }),
          );
          calls += 2;
        }
        if (i < (scopes * 295) / 850) {
          await c.autoScaling.send(
            fast.fastPages('DescribeAutoScalingGroups')(new DescribeAutoScalingGroupsCommand({})),
          );
          calls += 1;
        }
      };
      const start = process.cpuUsage();
      const wall = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: Number(values.concurrency) }, async () => {
          while (next < scopes) await scope(next++);
        }),
      );
      const cpu = cpuSeconds(start);
      const stats = (await (await fetch(`${emulator.info.url}/__emulator/stats`)).json()) as {
        throttled: number;
      };
      console.log(
        `round ${round}: ${scopes} scopes, ${calls} calls + ${accounts} AssumeRole: ${cpu.toFixed(2)} s CPU, ${((cpu * 1000) / (calls + accounts)).toFixed(3)} ms per call, ${((performance.now() - wall) / 1000).toFixed(1)} s wall, ${stats.throttled} throttled answers so far`,
      );
    }
  } finally {
    emulator.child.kill('SIGTERM');
  }
}

await main();
