import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { freePort } from '../../sandbox/redis-server.js';
import { silentLogger } from '../../src/adapters/log.js';
import { createApp } from '../../src/main.js';
import { makeWorkflow, pointSdkAt, testEnv } from '../support/harness.js';

const MEMBER = '343434343434';

/**
 * The SDK's per-service endpoint variables win over AWS_ENDPOINT_URL: with the general one
 * pointing at a closed port, a scan that works proves every client (STS included) honours
 * AWS_ENDPOINT_URL_<SERVICE>.
 */
describe('AWS_ENDPOINT_URL_<SERVICE>', () => {
  let emulator: AwsEmulator;
  beforeAll(async () => {
    const fleet = new Fleet();
    fleet.addAccount({ id: MEMBER, regions: ['eu-west-1'] });
    // launched by a group, so that the scan reads the groups (Auto Scaling's endpoint) too
    fleet.addAutoScalingGroup({
      accountId: MEMBER,
      region: 'eu-west-1',
      name: 'web',
      launchConfigurationName: 'web-lc',
    });
    fleet.addInstance({ accountId: MEMBER, region: 'eu-west-1', asg: 'web' });
    emulator = await startAwsEmulator({ fleet, throttle: false });
    pointSdkAt(`http://127.0.0.1:${await freePort()}`);
    for (const service of ['EC2', 'STS', 'CLOUDWATCH', 'AUTO_SCALING'])
      process.env[`AWS_ENDPOINT_URL_${service}`] = emulator.url;
  });
  afterAll(async () => emulator?.close());

  it('reaches every service through its own variable', async () => {
    const workflow = makeWorkflow({
      accounts: [{ id: MEMBER, roleArn: `arn:aws:iam::${MEMBER}:role/ImdsBotScanner` }],
      regions: ['eu-west-1'],
    });
    const app = await createApp({ env: testEnv(), workflow, log: silentLogger() });
    app.startWorkers();
    try {
      const { scanId } = await app.requestScan({ kind: 'cli', by: 'test' });
      const outcome = await app.waitForScan(scanId);
      expect(outcome.errors).toEqual([]);
      expect(outcome.summary.instances).toBe(1);
      expect(Object.keys(emulator.stats().byAction).sort()).toEqual(
        expect.arrayContaining([
          'ec2:DescribeInstances',
          'monitoring:GetMetricData',
          'sts:AssumeRole',
          'autoscaling:DescribeAutoScalingGroups',
        ]),
      );
    } finally {
      await app.close();
    }
  });
});
