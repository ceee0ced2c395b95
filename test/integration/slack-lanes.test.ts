import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '../../src/adapters/log.js';
import type { RedisClient } from '../../src/adapters/redis/connection.js';
import { connectRedis } from '../../src/adapters/redis/connection.js';
import { createRedisWatch } from '../../src/adapters/redis/watch.js';
import { createSlackTaskQueue, startSlackTaskWorker } from '../../src/adapters/slack/task-queue.js';
import type { SlackTask } from '../../src/adapters/slack/tasks/schema.js';
import { randomPrefix } from '../support/redis-prefix.js';
import { C, slackFleet, slackSeed, slackWorkflow, U } from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

const user = { id: U.sec, name: 'sec' };
const where = { channelId: C.general, responseUrl: 'https://hooks.slack.test/x' };
const scanTask = (n: number): SlackTask => ({
  kind: 'command',
  command: { name: 'scan', args: { accountId: null, region: null } },
  text: `scan #${n}`,
  user,
  ...where,
});
const interactiveTasks: SlackTask[] = [
  {
    kind: 'command',
    command: { name: 'status', args: { target: { kind: 'instance', instanceId: 'i-0123456789abcdef0' } } },
    text: 'status',
    user,
    ...where,
  },
  { kind: 'cr-decision', action: 'approve', requestId: 'cr-000000000001', user, ...where },
  {
    kind: 'card-action',
    action: 'ack',
    ref: 'r1',
    user,
    channelId: C.general,
    messageTs: '1.1',
    responseUrl: null,
  },
  { kind: 'home', userId: U.alice },
];

describe('interactive work has a lane of its own (real BullMQ, real Redis)', () => {
  const connections: RedisClient[] = [];
  const connect = (name: string) => {
    const c = connectRedis(inject('redisUrl'), name);
    connections.push(c);
    return c;
  };
  const prefix = randomPrefix();
  const { onError } = createRedisWatch(silentLogger(), inject('redisUrl'));
  const tasks = createSlackTaskQueue({ connect, prefix, onError });
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const done: string[] = [];
  const workers = startSlackTaskWorker({
    connect,
    prefix,
    onError,
    log: silentLogger(),
    handle: async (task) => {
      if (task.kind === 'command' && task.command.name === 'scan') await gate;
      done.push(task.kind === 'command' ? `${task.command.name}:${task.text}` : task.kind);
    },
  });
  afterAll(async () => {
    release();
    await workers.close();
    await tasks.close();
    for (const c of connections) c.disconnect();
  });

  it('with every long worker held by slow scans, a status, an approval, a click and a Home tab still complete', async () => {
    const scans = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((n) => tasks.add(scanTask(n))));
    await until(
      async () => ((await tasks.queue.getJobCounts('active')).active === 4 ? true : undefined),
      'four scans holding the long lane',
    );
    const quick = await Promise.all(interactiveTasks.map((t) => tasks.add(t)));
    await until(
      async () => (await Promise.all(quick.map((j) => j.getState()))).every((s) => s === 'completed'),
      'the interactive jobs',
    );
    expect(done).toEqual(expect.arrayContaining(['status:status', 'cr-decision', 'card-action', 'home']));
    expect(done.filter((d) => d.startsWith('scan:'))).toEqual([]);
    release();
    await until(
      async () => (await Promise.all(scans.map((j) => j.getState()))).every((s) => s === 'completed'),
      'the scans, once released',
    );
    expect(done.filter((d) => d.startsWith('scan:'))).toHaveLength(8);
  });
});

describe('/imds status while four /imds scan commands wait on a slow DescribeInstances', () => {
  let h: SlackHarness;
  const built = slackFleet();

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, slackWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  it('answers the status before any of the scans finishes', async () => {
    h.emulator.setActionLatency('ec2:DescribeInstances', 4000);
    const scans = await Promise.all([1, 2, 3, 4].map(() => h.command('scan', U.sec, C.security)));
    for (const s of scans) await until(() => responses(h, s.responseUrl)[0], 'scan started');
    const finished = () => scans.filter((s) => responses(h, s.responseUrl).length > 1).length;
    const status = await h.command(`status ${built.ids.aliceInUse}`, U.alice, C.general);
    await until(() => responses(h, status.responseUrl)[0], 'the status answer');
    const finishedWhenAnswered = finished();
    h.emulator.setActionLatency('ec2:DescribeInstances', 0);
    expect(JSON.stringify(responses(h, status.responseUrl)[0])).toContain('still uses it');
    expect(finishedWhenAnswered).toBe(0);
    await until(() => finished() === 4, 'the scans to finish', 30_000);
  });
});
