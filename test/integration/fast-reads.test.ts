import { CloudWatchClient, type GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { type DescribeInstancesCommandOutput, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import type { UsagePattern } from '../../sandbox/aws/types.js';
import { classifyAwsError } from '../../src/adapters/aws/errors.js';
import {
  describeInstancesCommand,
  getMetricDataCommand,
  installFastReads,
} from '../../src/adapters/aws/fast-reads.js';
import { mapInstance } from '../../src/adapters/aws/map-instance.js';
import { HUB, sdkConfig } from '../support/emulator-clients.js';
import { clientsFor, fixedPeer } from '../support/fast-reads.js';

/**
 * Our DescribeInstances reader against the SDK's, on the same bytes: two real EC2 clients, one
 * with installFastReads, send the same marked command. Every field the scan and remediation read
 * must come out the same, and so must mapInstance; anything ours does not handle must give the
 * SDK's own output or error.
 */

const ACCOUNT = '424242424242';
const REGION = 'eu-west-1';

/** The fields of an SDK instance that src/ reads (map-instance.ts, remediation-instance.ts). */
const project = (i: Instance) => ({
  InstanceId: i.InstanceId,
  ImageId: i.ImageId,
  State: i.State === undefined ? undefined : { Code: i.State.Code, Name: i.State.Name },
  LaunchTime: i.LaunchTime,
  Tags: i.Tags?.map((t) => ({ Key: t.Key, Value: t.Value })),
  MetadataOptions: i.MetadataOptions === undefined ? undefined : { ...i.MetadataOptions },
  IamInstanceProfile: i.IamInstanceProfile === undefined ? undefined : { Arn: i.IamInstanceProfile.Arn },
  PublicIpAddress: i.PublicIpAddress,
  mapped: mapInstance(i, ACCOUNT, REGION),
});

const pageView = (page: DescribeInstancesCommandOutput) => ({
  NextToken: page.NextToken,
  Reservations: page.Reservations?.map((r) => ({
    ReservationId: r.ReservationId,
    Instances: r.Instances?.map(project),
  })),
});

const STATES = ['running', 'stopped', 'pending', 'stopping'] as const;
const USAGE: UsagePattern[] = [
  { kind: 'steady', callsPerHour: 3.5 },
  { kind: 'none' },
  { kind: 'stopped-using', lastCallDaysAgo: 4, callsPerHour: 12 },
  { kind: 'no-data' },
];

/** A fleet with what real accounts have: no tags, odd tag text, partial metadata, stopped hosts. */
function oddFleet(): Fleet {
  const fleet = new Fleet({ hubAccountId: ACCOUNT, hub: { regions: [REGION] } });
  const odd: Record<string, string>[] = [
    {},
    { Name: 'a & b <c> "d" \'e\'' },
    { Name: '', team: '  ', note: 'line\nbreak\r\nand tab\t.' },
    { 'kubernetes.io/cluster/prod': 'owned', 'eks:cluster-name': 'prod', 'aws:autoscaling:groupName': 'g' },
    { Name: 'ünïcødé ✓ 😀 日本', '&amp;': '&#x41;', __proto__: 'x', constructor: 'y' },
    { 'aws:ec2launchtemplate:id': 'lt-0123456789abcdef0', 'aws:ec2launchtemplate:version': '3' },
  ];
  for (let n = 0; n < 23; n++)
    fleet.addInstance({
      accountId: ACCOUNT,
      region: REGION,
      tags: odd[n % odd.length] ?? {},
      state: STATES[n % STATES.length] ?? 'running',
      usage: USAGE[n % USAGE.length] ?? { kind: 'none' },
      publicIp: n % 3 === 0 ? null : `203.0.113.${n}`,
      iamInstanceProfileArn: n % 2 === 0 ? null : `arn:aws:iam::${ACCOUNT}:instance-profile/p${n}`,
      metadata:
        n % 5 === 0
          ? {}
          : { httpTokens: n % 2 ? 'optional' : 'required', httpPutResponseHopLimit: 1 + (n % 3) },
    });
  return fleet;
}

describe('our DescribeInstances reader, against the emulator', () => {
  let emulator: AwsEmulator;
  beforeAll(async () => {
    emulator = await startAwsEmulator({ fleet: oddFleet(), throttle: false });
  });
  afterAll(async () => emulator?.close());

  it('reads every page like the SDK, field for field, and is the one that read them', async () => {
    const { sdk, ours } = clientsFor(emulator.url, REGION);
    const pages: { sdk: DescribeInstancesCommandOutput; ours: DescribeInstancesCommandOutput }[] = [];
    let token: string | undefined;
    do {
      const input = { MaxResults: 5, NextToken: token };
      const both = {
        sdk: await sdk.send(describeInstancesCommand(input)),
        ours: await ours.send(describeInstancesCommand(input)),
      };
      pages.push(both);
      token = both.sdk.NextToken;
    } while (token);

    expect(pages.length).toBe(5);
    for (const page of pages) expect(pageView(page.ours)).toEqual(pageView(page.sdk));
    const first = (p: DescribeInstancesCommandOutput | undefined) => p?.Reservations?.[0]?.Instances?.[0];
    // the SDK reads every member; ours only those we use: InstanceType tells which one read the page
    expect(first(pages[0]?.sdk)?.InstanceType).toEqual(expect.any(String));
    expect(first(pages[0]?.ours)?.InstanceType).toBeUndefined();
    expect(pages[0]?.ours.$metadata.httpStatusCode).toBe(200);
  });

  it('reads GetMetricData like the SDK: ids, timestamps, values, next token', async () => {
    const ids = (
      await new EC2Client(sdkConfig(emulator.url, HUB, REGION)).send(describeInstancesCommand({}))
    ).Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId ?? '');
    const input = {
      MetricDataQueries: (ids ?? []).map((id, n) => ({
        Id: `q${n}`,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/EC2',
            MetricName: 'MetadataNoToken',
            Dimensions: [{ Name: 'InstanceId', Value: id }],
          },
          Period: 300,
          Stat: 'Sum',
        },
      })),
      StartTime: new Date(Date.now() - 7 * 86_400_000),
      EndTime: new Date(),
      ScanBy: 'TimestampDescending' as const,
      MaxDatapoints: 1500,
    };
    const sdk = new CloudWatchClient(sdkConfig(emulator.url, HUB, REGION));
    const ours = installFastReads(new CloudWatchClient(sdkConfig(emulator.url, HUB, REGION)));
    const view = (o: GetMetricDataCommandOutput) => ({
      NextToken: o.NextToken,
      MetricDataResults: o.MetricDataResults?.map((r) => ({
        Id: r.Id,
        Label: r.Label,
        StatusCode: r.StatusCode,
        Timestamps: r.Timestamps,
        Values: r.Values,
      })),
    });
    let token: string | undefined;
    let pages = 0;
    let points = 0;
    do {
      const a = await sdk.send(getMetricDataCommand({ ...input, NextToken: token }));
      const b = await ours.send(getMetricDataCommand({ ...input, NextToken: token }));
      expect(view(b)).toEqual(view(a));
      // the SDK keeps the answer's Messages list; ours reads only what usage.ts uses
      expect(a.Messages).toBeDefined();
      expect(b.Messages).toBeUndefined();
      points += a.MetricDataResults?.reduce((n, r) => n + (r.Values?.length ?? 0), 0) ?? 0;
      token = a.NextToken;
      pages++;
    } while (token);

    expect(pages).toBeGreaterThan(1);
    expect(points).toBeGreaterThan(0);
  });
});

const wrap = (reservations: string, extra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">\n  <requestId>r-1</requestId>\n  <reservationSet>${reservations}</reservationSet>${extra}\n</DescribeInstancesResponse>`;
const instance = (inner: string) =>
  `<item><reservationId>r-0a</reservationId><ownerId>${ACCOUNT}</ownerId><instancesSet><item><imageId>ami-1</imageId><instanceType>t3.micro</instanceType>${inner}</item></instancesSet></item>`;
const BASE =
  '<instanceId>i-0a</instanceId><instanceState><code>16</code><name>running</name></instanceState><launchTime>2026-01-02T03:04:05.000Z</launchTime>';
const MO =
  '<metadataOptions><state>applied</state><httpTokens>optional</httpTokens><httpPutResponseHopLimit>2</httpPutResponseHopLimit></metadataOptions>';

/** Bodies ours reads: the SDK's quirks kept (entities, CDATA, line ends, empty elements). */
const HANDLED: Record<string, string> = {
  leapDay: wrap(instance(`${BASE.replace('2026-01-02T03:04:05.000Z', '2028-02-29T23:59:59.999Z')}${MO}`)),
  entities: wrap(
    instance(
      `${BASE}${MO}<tagSet><item><key>e</key><value>&#x41;&#66;&unknown;&amp;amp; &lt;&gt;&quot;&apos; &#x1F600;</value></item></tagSet>`,
    ),
  ),
  cdata: wrap(
    instance(
      `${BASE}${MO}<tagSet><item><key>c</key><value><![CDATA[<b>&amp;</b>]]> and &amp;</value></item></tagSet>`,
    ),
  ),
  crlf: wrap(
    instance(`${BASE}\r\n${MO}\r\n<tagSet>\r\n<item><key>k</key><value>a\r\nb\rc</value></item></tagSet>`),
  ).replace(/\n/g, '\r\n'),
  empties: wrap(
    instance(
      `${BASE}<metadataOptions/><tagSet/><iamInstanceProfile><arn/></iamInstanceProfile><ipAddress></ipAddress>`,
    ) + instance(`${BASE}${MO}<tagSet>\n  </tagSet><tagSet2/><instancesSet/>`),
  ),
  blankValues: wrap(
    instance(
      `${BASE}${MO}<tagSet><item><key>\n  </key><value>   </value></item><item><key/><value/></item></tagSet>`,
    ),
  ),
  noReservations: wrap('', '<nextToken>next&amp;more</nextToken>'),
  emptyReservationSet:
    '<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><reservationSet/></DescribeInstancesResponse>',
  numbers: wrap(
    instance(
      '<instanceId>i-0b</instanceId><instanceState><code> 16 </code><name>stopped</name></instanceState><metadataOptions><httpTokens>required</httpTokens><httpPutResponseHopLimit>x</httpPutResponseHopLimit></metadataOptions>',
    ),
  ),
  unknownMembers: wrap(
    instance(
      `${BASE}${MO}<networkInterfaceSet><item><attachment><status>attached</status></attachment><groupSet><item><groupId>sg-1</groupId></item></groupSet></item></networkInterfaceSet><blockDeviceMapping/>`,
    ),
  ),
};

/** Bodies ours leaves to the SDK: its output or its error, whatever it is. */
const DEFERRED: Record<string, string> = {
  htmlPage: '<html><head><title>Not here</title></html>',
  notXml: 'Service Unavailable',
  empty: '',
  truncated: wrap(instance(BASE)).slice(0, 300),
  foreignRoot: '<SomethingElse><reservationSet><item/></reservationSet></SomethingElse>',
  comment: wrap(instance(`${BASE}<!-- a comment -->${MO}`)),
  attribute: wrap(instance(`${BASE}<tagSet><item kind="x"><key>k</key><value>v</value></item></tagSet>`)),
  repeatedMember: wrap(instance(`${BASE}<instanceId>i-again</instanceId>`)),
  textInStruct: wrap(
    instance(`${BASE}<metadataOptions>stray<httpTokens>optional</httpTokens></metadataOptions>`),
  ),
  badDate: wrap(instance('<instanceId>i-0c</instanceId><launchTime>2026-02-30T00:00:00Z</launchTime>')),
  hour24: wrap(instance('<instanceId>i-0c</instanceId><launchTime>2026-01-01T24:00:00Z</launchTime>')),
  second60: wrap(instance('<instanceId>i-0c</instanceId><launchTime>2026-06-30T23:59:60Z</launchTime>')),
  month13: wrap(instance('<instanceId>i-0c</instanceId><launchTime>2026-13-01T00:00:00Z</launchTime>')),
  notLeapYear: wrap(instance('<instanceId>i-0c</instanceId><launchTime>2027-02-29T00:00:00Z</launchTime>')),
  offsetDate: wrap(
    instance('<instanceId>i-0d</instanceId><launchTime>2026-01-02T03:04:05+02:00</launchTime>'),
  ),
  mismatchedInSkipped: wrap(instance(`${BASE}<placement><zone>a</placement></zone>`)),
  elementInText: wrap(instance('<instanceId>i-<b>0e</b></instanceId>')),
};

type Outcome =
  | { ok: true; page: DescribeInstancesCommandOutput }
  | { ok: false; name: string; message: string };
const settle = (p: Promise<DescribeInstancesCommandOutput>): Promise<Outcome> =>
  p.then(
    (page) => ({ ok: true as const, page }),
    (e: Error) => ({ ok: false as const, name: e.name, message: e.message }),
  );

describe('our DescribeInstances reader, on odd bodies', () => {
  const bodies: Record<string, string> = { ...HANDLED, ...DEFERRED };
  let peer: Awaited<ReturnType<typeof fixedPeer>>;
  beforeAll(async () => {
    peer = await fixedPeer();
  });
  afterAll(async () => peer?.close());

  const both = async (name: string) => {
    peer.answer(bodies[name] ?? '');
    const { sdk, ours } = clientsFor(peer.url);
    const input = { MaxResults: 5 };
    return {
      sdk: await settle(sdk.send(describeInstancesCommand(input))),
      ours: await settle(ours.send(describeInstancesCommand(input))),
    };
  };

  it.each(Object.keys(HANDLED))('%s: read by ours, the same as the SDK reads it', async (name) => {
    const { sdk, ours } = await both(name);

    if (!sdk.ok || !ours.ok) throw new Error(`${name}: ${JSON.stringify({ sdk, ours })}`);
    expect(pageView(ours.page)).toEqual(pageView(sdk.page));
    const type = (o: DescribeInstancesCommandOutput) => o.Reservations?.[0]?.Instances?.[0]?.InstanceType;
    if (type(sdk.page) !== undefined) expect(type(ours.page)).toBeUndefined();
  });

  it.each(Object.keys(DEFERRED))('%s: left to the SDK, with its output or its error', async (name) => {
    const { sdk, ours } = await both(name);

    if (sdk.ok && ours.ok) {
      const { $metadata: _a, ...sdkRest } = sdk.page;
      const { $metadata: _b, ...oursRest } = ours.page;
      expect(oursRest).toEqual(sdkRest);
    } else expect(ours).toEqual(sdk);
  });

  it('an HTML page answered with 200 still fails as a non-AWS body, its first bytes shown', async () => {
    peer.answer(DEFERRED.htmlPage ?? '');
    const { ours } = clientsFor(peer.url);
    const error = await ours.send(describeInstancesCommand({})).then(
      () => null,
      (e: unknown) => classifyAwsError(e, 'DescribeInstances in 424242424242/eu-west-1'),
    );

    expect(error?.code).toBe('NonAwsResponse');
    expect(error?.message).toBe(
      'DescribeInstances in 424242424242/eu-west-1: HTTP 200 non-AWS response body (text/xml;charset=UTF-8): "<html><head><title>Not here</title></html>"',
    );
  });
});
