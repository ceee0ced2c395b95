import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { EC2Client, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import type { UsagePattern } from '../../sandbox/aws/types.js';
import { sdkConfig } from '../support/emulator-clients.js';

const NOW = Date.parse('2025-03-15T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let now: number;
let fleet: Fleet;
let emulator: AwsEmulator;
let cw: CloudWatchClient;

function query(id: string, instanceId: string, period: number, metric = 'MetadataNoToken'): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/EC2',
        MetricName: metric,
        Dimensions: [{ Name: 'InstanceId', Value: instanceId }],
      },
      Period: period,
      Stat: 'Sum',
    },
  };
}

function instanceWith(usage: UsagePattern, launchedAgoMs = 30 * DAY): string {
  return fleet.addInstance({ region: 'eu-west-1', usage, launchTime: new Date(now - launchedAgoMs) })
    .instanceId;
}

async function metricData(queries: MetricDataQuery[], spanMs: number, extra: object = {}) {
  return cw.send(
    new GetMetricDataCommand({
      MetricDataQueries: queries,
      StartTime: new Date(now - spanMs),
      EndTime: new Date(now),
      ...extra,
    }),
  );
}

const sum = (values: number[] | undefined): number => (values ?? []).reduce((a, b) => a + b, 0);

beforeEach(async () => {
  now = NOW;
  fleet = new Fleet({ now: () => new Date(now) });
  emulator = await startAwsEmulator({
    fleet,
    throttle: false,
    metadataApplyDelayMs: 0,
    now: () => new Date(now),
  });
  cw = new CloudWatchClient(sdkConfig(emulator.url));
});

afterEach(async () => {
  await emulator.close();
});

describe('CloudWatch GetMetricData', () => {
  it('generates datapoints from each usage pattern', async () => {
    const steady = instanceWith({ kind: 'steady', callsPerHour: 12 });
    const none = instanceWith({ kind: 'none' }, 2 * HOUR);
    const noData = instanceWith({ kind: 'no-data' });
    const stoppedUsing = instanceWith({ kind: 'stopped-using', lastCallDaysAgo: 3, callsPerHour: 12 });

    const out = await metricData(
      [
        query('steady', steady, 86_400),
        query('none', none, 300),
        query('nodata', noData, 300),
        query('quit', stoppedUsing, 86_400),
      ],
      14 * DAY,
    );
    const byId = Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, r]));

    expect(byId.steady?.Values).toEqual(Array(14).fill(288));
    expect(byId.steady?.StatusCode).toBe('Complete');
    expect(byId.none?.Values).toEqual(Array(24).fill(0));
    expect(byId.nodata?.Timestamps).toEqual([]);
    expect(byId.quit?.Values).toEqual([0, 0, 0, ...Array(11).fill(288)]);
  });

  it('has no datapoints before launch nor after a stop', async () => {
    const id = fleet.addInstance({
      region: 'eu-west-1',
      usage: { kind: 'steady', callsPerHour: 6 },
      launchTime: new Date(now - 10 * DAY),
      state: 'stopped',
      stoppedAt: new Date(now - 4 * DAY),
    }).instanceId;

    const out = await metricData([query('q', id, 86_400)], 14 * DAY, { ScanBy: 'TimestampAscending' });
    const result = out.MetricDataResults?.[0];

    expect(result?.Timestamps?.map((t) => t.toISOString())).toEqual(
      Array.from({ length: 6 }, (_, k) => new Date(now - (10 - k) * DAY).toISOString()),
    );
    expect(sum(result?.Values)).toBe(6 * 24 * 6);
  });

  it('orders datapoints newest first by default, oldest first with TimestampAscending', async () => {
    const id = instanceWith({ kind: 'steady', callsPerHour: 60 });

    const desc = await metricData([query('q', id, 300)], HOUR);
    const asc = await metricData([query('q', id, 300)], HOUR, { ScanBy: 'TimestampAscending' });
    const times = (r: typeof desc) => r.MetricDataResults?.[0]?.Timestamps?.map((t) => t.getTime()) ?? [];

    expect(times(desc)).toEqual([...times(asc)].reverse());
    expect(times(asc)[0]).toBe(now - HOUR);
  });

  it('counts rejections only after the instance was switched to required', async () => {
    const id = instanceWith({ kind: 'steady', callsPerHour: 12 });
    const ec2 = new EC2Client(sdkConfig(emulator.url));
    await ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpTokens: 'required' }));
    now += HOUR;

    const out = await metricData(
      [query('ok', id, 3600), query('rejected', id, 3600, 'MetadataNoTokenRejected')],
      2 * HOUR,
      { ScanBy: 'TimestampAscending' },
    );
    const [ok, rejected] = out.MetricDataResults ?? [];

    expect(ok?.Values).toEqual([12, 0]);
    expect(rejected?.Values).toEqual([12]);
  });

  it('accepts 500 queries and refuses 501 with a ValidationError', async () => {
    const id = instanceWith({ kind: 'none' });
    const queries = (n: number) => Array.from({ length: n }, (_, k) => query(`q${k}`, id, 3600));

    const accepted = await metricData(queries(500), 6 * HOUR);
    const refused = await metricData(queries(501), 6 * HOUR).catch(
      (e: unknown) => e as Error & { Code?: string },
    );

    expect(accepted.MetricDataResults).toHaveLength(500);
    expect(refused).toMatchObject({ name: 'ValidationException', Code: 'ValidationError' });
  });

  it('refuses a call over 100,800 datapoints in total', async () => {
    const id = instanceWith({ kind: 'none' });
    const queries = Array.from({ length: 11 }, (_, k) => query(`q${k}`, id, 60));

    const error = await metricData(queries, 7 * DAY).catch((e: unknown) => e as Error);

    expect(error).toMatchObject({ name: 'InvalidParameterCombinationException' });
    expect((error as Error).message).toContain('110880 datapoints');
  });

  it('pages with MaxDatapoints and NextToken, splitting a query across pages', async () => {
    const id = instanceWith({ kind: 'steady', callsPerHour: 60 });
    const queries = [query('a', id, 300), query('b', id, 300), query('c', id, 300)];

    const first = await metricData(queries, 2 * HOUR, { MaxDatapoints: 50 });
    const second = await metricData(queries, 2 * HOUR, { MaxDatapoints: 50, NextToken: first.NextToken });

    expect(first.MetricDataResults?.map((r) => [r.Id, r.Values?.length, r.StatusCode])).toEqual([
      ['a', 24, 'Complete'],
      ['b', 24, 'Complete'],
      ['c', 2, 'PartialData'],
    ]);
    expect(second.MetricDataResults?.map((r) => [r.Id, r.Values?.length, r.StatusCode])).toEqual([
      ['c', 22, 'Complete'],
    ]);
    expect(second.NextToken).toBeUndefined();
  });

  it('returns an empty, complete result for an instance it does not know', async () => {
    const out = await metricData([query('q', 'i-0123456789abcdef0', 300)], HOUR);

    expect(out.MetricDataResults).toEqual([
      { Id: 'q', Label: 'MetadataNoToken', Timestamps: [], Values: [], StatusCode: 'Complete' },
    ]);
  });

  it.each([
    [{ Period: 90 }, 'InvalidParameterValueException'],
    [{ Stat: 'Average' }, 'InvalidParameterValueException'],
  ])('refuses a MetricStat with %j', async (override, name) => {
    const id = instanceWith({ kind: 'none' });
    const q = query('q', id, 300);
    const bad = { ...q, MetricStat: { ...q.MetricStat, ...override } } as MetricDataQuery;

    const error = await metricData([bad], HOUR).catch((e: unknown) => e as Error);

    expect(error).toMatchObject({ name });
  });
});
