import {
  type DescribeImagesCommandOutput,
  type DescribeLaunchTemplateVersionsCommandOutput,
  type EC2Client,
  type GetInstanceMetadataDefaultsCommandOutput,
  paginateDescribeImages,
  paginateDescribeLaunchTemplateVersions,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import {
  DESCRIBE_IMAGES,
  DESCRIBE_LAUNCH_TEMPLATE_VERSIONS,
  fastPages,
  GET_INSTANCE_METADATA_DEFAULTS,
  getInstanceMetadataDefaultsCommand,
} from '../../src/adapters/aws/fast-reads.js';
import { readXml, type Struct } from '../../src/adapters/aws/fast-xml.js';
import { readImages } from '../../src/adapters/aws/guardrails.js';
import { readAccountDefault, readLaunchTemplates } from '../../src/adapters/aws/prevention.js';
import { clientsFor, fixedPeer } from '../support/fast-reads.js';

/**
 * Our readers of the scan's prevention reads (GetInstanceMetadataDefaults,
 * DescribeLaunchTemplateVersions, DescribeImages) against the SDK's, on the same bytes: two real
 * EC2 clients, one with installFastReads, send the same marked commands over HTTP. Every member
 * src/ reads must come out the same, and so must what prevention.ts and guardrails.ts make of
 * them; anything ours does not handle must give the SDK's own output or error.
 */

const ACCOUNT = '424242424242';
const REGION = 'eu-west-1';
const OTHER = '313131313131';

const defaultsView = (o: GetInstanceMetadataDefaultsCommandOutput) =>
  o.AccountLevel === undefined
    ? undefined
    : {
        HttpTokens: o.AccountLevel.HttpTokens,
        HttpPutResponseHopLimit: o.AccountLevel.HttpPutResponseHopLimit,
        HttpEndpoint: o.AccountLevel.HttpEndpoint,
        InstanceMetadataTags: o.AccountLevel.InstanceMetadataTags,
        ManagedBy: o.AccountLevel.ManagedBy,
        ManagedExceptionMessage: o.AccountLevel.ManagedExceptionMessage,
      };

const versionsView = (o: DescribeLaunchTemplateVersionsCommandOutput) => ({
  NextToken: o.NextToken,
  LaunchTemplateVersions: o.LaunchTemplateVersions?.map((v) => ({
    LaunchTemplateId: v.LaunchTemplateId,
    LaunchTemplateName: v.LaunchTemplateName,
    VersionNumber: v.VersionNumber,
    DefaultVersion: v.DefaultVersion,
    LaunchTemplateData:
      v.LaunchTemplateData === undefined
        ? undefined
        : {
            ImageId: v.LaunchTemplateData.ImageId,
            MetadataOptions:
              v.LaunchTemplateData.MetadataOptions === undefined
                ? undefined
                : {
                    HttpTokens: v.LaunchTemplateData.MetadataOptions.HttpTokens,
                    HttpPutResponseHopLimit: v.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit,
                    HttpEndpoint: v.LaunchTemplateData.MetadataOptions.HttpEndpoint,
                  },
          },
  })),
});

const imagesView = (o: DescribeImagesCommandOutput) => ({
  NextToken: o.NextToken,
  Images: o.Images?.map((i) => ({ ImageId: i.ImageId, Name: i.Name, ImdsSupport: i.ImdsSupport })),
});

const ami = (n: number) => `ami-${n.toString(16).padStart(8, '0')}`;

/** Templates with and without metadata options, several versions, a default other than 1. */
function preventionFleet(): Fleet {
  const fleet = new Fleet({ hubAccountId: ACCOUNT, hub: { regions: [REGION] } });
  fleet.setAccountDefault(ACCOUNT, REGION, {
    httpTokens: 'required',
    httpPutResponseHopLimit: 2,
    httpEndpoint: 'enabled',
    instanceMetadataTags: 'disabled',
    managedBy: 'declarative-policy',
    managedExceptionMessage: 'Managed by "the org" & <its> policy',
  });
  for (let n = 0; n < 9; n++)
    fleet.addLaunchTemplate({
      accountId: ACCOUNT,
      region: REGION,
      name: n === 4 ? 'odd & <name> "q"' : `web-${n}`,
      defaultVersion: 1 + (n % 3 === 2 ? 1 : 0),
      versions: [
        n % 4 === 0 ? {} : { imageId: ami(n), metadataOptions: { httpTokens: 'optional' } },
        {
          imageId: ami(100 + n),
          metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 + n },
        },
        ...(n % 2 ? [{ imageId: ami(200 + n), instanceType: 't3.large' }] : []),
      ],
    });
  for (let n = 0; n < 12; n++)
    fleet.images.add({
      imageId: ami(n),
      region: REGION,
      ownerId: n % 5 === 0 ? OTHER : ACCOUNT,
      isPublic: n % 5 === 0,
      name: n === 3 ? 'name with & and <b>' : `image-${n}`,
      imdsSupport: n % 2 ? 'v2.0' : null,
    });
  return fleet;
}

describe('our prevention readers, against the emulator', () => {
  let emulator: AwsEmulator;
  beforeAll(async () => {
    emulator = await startAwsEmulator({ fleet: preventionFleet(), throttle: false });
  });
  afterAll(async () => emulator?.close());

  it('GetInstanceMetadataDefaults: the account level as the SDK reads it, and readAccountDefault the same', async () => {
    const { sdk, ours } = clientsFor(emulator.url, REGION);
    const a = await sdk.send(getInstanceMetadataDefaultsCommand());
    const b = await ours.send(getInstanceMetadataDefaultsCommand());

    expect(defaultsView(b)).toEqual(defaultsView(a));
    expect(defaultsView(b)?.HttpPutResponseHopLimit).toBe(2);
    expect(b.$metadata.httpStatusCode).toBe(200);
    // the SDK keeps the request id in $metadata; the bodies' view is what src/ reads
    const scope = { accountId: ACCOUNT, region: REGION };
    expect(await readAccountDefault(ours, scope)).toEqual(await readAccountDefault(sdk, scope));
  });

  it('DescribeLaunchTemplateVersions: every page like the SDK, and readLaunchTemplates the same', async () => {
    const { sdk, ours } = clientsFor(emulator.url, REGION);
    const input = () => ({ Versions: ['$Default', '$Latest'] });
    const pages = async (client: EC2Client) => {
      const out: DescribeLaunchTemplateVersionsCommandOutput[] = [];
      const config = { client, pageSize: 4, withCommand: fastPages('DescribeLaunchTemplateVersions') };
      for await (const page of paginateDescribeLaunchTemplateVersions(config, input())) out.push(page);
      return out;
    };
    const [a, b] = [await pages(sdk), await pages(ours)];

    expect(a.length).toBeGreaterThan(2);
    expect(b.map(versionsView)).toEqual(a.map(versionsView));
    // the SDK reads every member; ours only those we use: CreateTime tells which one read the page
    expect(a[0]?.LaunchTemplateVersions?.[0]?.CreateTime).toEqual(expect.any(Date));
    expect(b[0]?.LaunchTemplateVersions?.[0]?.CreateTime).toBeUndefined();
    expect(b.flatMap((p) => p.LaunchTemplateVersions ?? []).some((v) => v.DefaultVersion === true)).toBe(
      true,
    );
    expect(b.flatMap((p) => p.LaunchTemplateVersions ?? []).some((v) => v.DefaultVersion === false)).toBe(
      true,
    );
    const scope = { accountId: ACCOUNT, region: REGION };
    expect(await readLaunchTemplates(ours, scope)).toEqual(await readLaunchTemplates(sdk, scope));
  });

  it('DescribeImages: every page like the SDK, and readImages the same', async () => {
    const { sdk, ours } = clientsFor(emulator.url, REGION);
    const ids = Array.from({ length: 14 }, (_, n) => ami(n)); // two of them do not exist
    const pages = async (client: EC2Client) => {
      const out: DescribeImagesCommandOutput[] = [];
      const config = { client, pageSize: 5, withCommand: fastPages('DescribeImages') };
      for await (const page of paginateDescribeImages(config, {
        Filters: [{ Name: 'image-id', Values: ids }],
      }))
        out.push(page);
      return out;
    };
    const [a, b] = [await pages(sdk), await pages(ours)];

    expect(a.length).toBeGreaterThan(1);
    expect(b.map(imagesView)).toEqual(a.map(imagesView));
    expect(a[0]?.Images?.[0]?.Architecture).toEqual(expect.any(String));
    expect(b[0]?.Images?.[0]?.Architecture).toBeUndefined();
    const read = await readImages(ours, ids);
    expect(read).toEqual(await readImages(sdk, ids));
    expect(read).toHaveLength(12);
  });
});

const NS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
const defaults = (inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<GetInstanceMetadataDefaultsResponse ${NS}>\n  <requestId>r-1</requestId>\n  ${inner}\n</GetInstanceMetadataDefaultsResponse>`;
const versions = (items: string, extra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeLaunchTemplateVersionsResponse ${NS}>\n  <requestId>r-1</requestId>\n  <launchTemplateVersionSet>${items}</launchTemplateVersionSet>${extra}\n</DescribeLaunchTemplateVersionsResponse>`;
const version = (inner: string) =>
  `<item><launchTemplateId>lt-0a</launchTemplateId><launchTemplateName>web</launchTemplateName><createTime>2026-01-02T03:04:05.000Z</createTime>${inner}</item>`;
const images = (items: string, extra = '') =>
  `<DescribeImagesResponse ${NS}><requestId>r-1</requestId><imagesSet>${items}</imagesSet>${extra}</DescribeImagesResponse>`;

/** Bodies ours reads: booleans, numbers and empty elements as the SDK reads them. */
const HANDLED: Record<string, { op: Op; body: string }> = {
  defaultsFull: {
    op: 'defaults',
    body: defaults(
      '<accountLevel><httpTokens>required</httpTokens><httpPutResponseHopLimit> 3 </httpPutResponseHopLimit><httpEndpoint>enabled</httpEndpoint><instanceMetadataTags>disabled</instanceMetadataTags><managedBy>account</managedBy><managedExceptionMessage>a &amp; &lt;b&gt;</managedExceptionMessage></accountLevel>',
    ),
  },
  defaultsEmptyLevel: { op: 'defaults', body: defaults('<accountLevel/>') },
  defaultsNoLevel: { op: 'defaults', body: defaults('') },
  defaultsBlankValues: {
    op: 'defaults',
    body: defaults('<accountLevel><httpTokens></httpTokens><httpPutResponseHopLimit/></accountLevel>'),
  },
  versionsBooleans: {
    op: 'versions',
    body: versions(
      version('<versionNumber>1</versionNumber><defaultVersion>TRUE</defaultVersion>') +
        version('<versionNumber>2</versionNumber><defaultVersion>false</defaultVersion>') +
        version('<versionNumber>3</versionNumber><defaultVersion>yes</defaultVersion>') +
        version('<versionNumber>4</versionNumber><defaultVersion/>'),
      '<nextToken>n&amp;1</nextToken>',
    ),
  },
  versionsData: {
    op: 'versions',
    body: versions(
      version(
        '<versionNumber>2</versionNumber><defaultVersion>true</defaultVersion><launchTemplateData><imageId>ami-1</imageId><instanceType>t3.micro</instanceType><metadataOptions><httpTokens>optional</httpTokens><httpPutResponseHopLimit>2</httpPutResponseHopLimit><httpEndpoint>enabled</httpEndpoint></metadataOptions><tagSpecificationSet><item><resourceType>instance</resourceType></item></tagSpecificationSet></launchTemplateData>',
      ) + version('<versionNumber>3</versionNumber><launchTemplateData/>'),
    ),
  },
  versionsEmpty: { op: 'versions', body: versions('') },
  imagesSome: {
    op: 'images',
    body: images(
      '<item><imageId>ami-1</imageId><name>a &amp; b</name><imdsSupport>v2.0</imdsSupport><blockDeviceMapping><item><deviceName>/dev/xvda</deviceName></item></blockDeviceMapping></item><item><imageId>ami-2</imageId><name/></item>',
      '<nextToken>t</nextToken>',
    ),
  },
  imagesNone: { op: 'images', body: images('') },
};

/** Bodies ours leaves to the SDK: its output or its error, whatever it is. */
const DEFERRED: Record<string, { op: Op; body: string }> = {
  defaultsHtml: { op: 'defaults', body: '<html><head><title>Not here</title></html>' },
  defaultsWrongRoot: {
    op: 'defaults',
    body: '<DescribeImagesResponse><accountLevel/></DescribeImagesResponse>',
  },
  defaultsRepeated: {
    op: 'defaults',
    body: defaults(
      '<accountLevel><httpTokens>required</httpTokens><httpTokens>optional</httpTokens></accountLevel>',
    ),
  },
  versionsComment: {
    op: 'versions',
    body: versions(
      version('<versionNumber>1</versionNumber><!-- c --><defaultVersion>true</defaultVersion>'),
    ),
  },
  versionsAttribute: {
    op: 'versions',
    body: versions('<item kind="x"><versionNumber>1</versionNumber></item>'),
  },
  versionsTruncated: {
    op: 'versions',
    body: versions(version('<versionNumber>1</versionNumber>')).slice(0, 200),
  },
  imagesEmptyBody: { op: 'images', body: '' },
  imagesElementInText: { op: 'images', body: images('<item><imageId>ami-<b>1</b></imageId></item>') },
};

type Op = 'defaults' | 'versions' | 'images';
const SHAPES: Record<Op, [string, Struct]> = {
  defaults: ['GetInstanceMetadataDefaultsResponse', GET_INSTANCE_METADATA_DEFAULTS],
  versions: ['DescribeLaunchTemplateVersionsResponse', DESCRIBE_LAUNCH_TEMPLATE_VERSIONS],
  images: ['DescribeImagesResponse', DESCRIBE_IMAGES],
};
/** Whether our reader takes the body (else the SDK reads it). */
const oursReads = (c: { op: Op; body: string }) => readXml(c.body, ...SHAPES[c.op]) !== null;
type Outcome = { ok: true; view: unknown; rest: unknown } | { ok: false; name: string; message: string };

const settle = <T extends { $metadata: unknown }>(p: Promise<T>, view: (o: T) => unknown): Promise<Outcome> =>
  p.then(
    (o) => {
      const { $metadata: _, ...rest } = o;
      return { ok: true as const, view: view(o), rest };
    },
    (e: Error) => ({ ok: false as const, name: e.name, message: e.message }),
  );

function send(client: EC2Client, op: Op): Promise<Outcome> {
  if (op === 'defaults') return settle(client.send(getInstanceMetadataDefaultsCommand()), defaultsView);
  const first = async <T>(pages: AsyncIterable<T>): Promise<T> => {
    for await (const page of pages) return page;
    throw new Error('no page');
  };
  if (op === 'versions')
    return settle(
      first(
        paginateDescribeLaunchTemplateVersions(
          { client, withCommand: fastPages('DescribeLaunchTemplateVersions') },
          { Versions: ['$Default'] },
        ),
      ),
      versionsView,
    );
  return settle(
    first(paginateDescribeImages({ client, withCommand: fastPages('DescribeImages') }, {})),
    imagesView,
  );
}

describe('our prevention readers, on odd bodies', () => {
  let peer: Awaited<ReturnType<typeof fixedPeer>>;
  beforeAll(async () => {
    peer = await fixedPeer();
  });
  afterAll(async () => peer?.close());

  const both = async (c: { op: Op; body: string }) => {
    peer.answer(c.body);
    const { sdk, ours } = clientsFor(peer.url);
    return { sdk: await send(sdk, c.op), ours: await send(ours, c.op) };
  };

  it.each(Object.keys(HANDLED))('%s: read by ours, the same as the SDK reads it', async (name) => {
    const c = HANDLED[name];
    if (!c) throw new Error(name);
    const { sdk, ours } = await both(c);

    if (!sdk.ok || !ours.ok) throw new Error(`${name}: ${JSON.stringify({ sdk, ours })}`);
    expect(oursReads(c)).toBe(true);
    expect(ours.view).toEqual(sdk.view);
  });

  it('a version read by ours lacks the members src/ does not read (ours did read it)', async () => {
    const c = HANDLED.versionsData;
    if (!c) throw new Error('versionsData');
    const { sdk, ours } = await both(c);
    const data = (o: Outcome) =>
      o.ok
        ? (o.rest as DescribeLaunchTemplateVersionsCommandOutput).LaunchTemplateVersions?.[0]
            ?.LaunchTemplateData
        : undefined;

    expect(data(sdk)?.InstanceType).toBe('t3.micro');
    expect(data(ours)?.InstanceType).toBeUndefined();
    expect(data(ours)?.MetadataOptions?.HttpTokens).toBe('optional');
  });

  it.each(Object.keys(DEFERRED))('%s: left to the SDK, with its output or its error', async (name) => {
    const c = DEFERRED[name];
    if (!c) throw new Error(name);
    const { sdk, ours } = await both(c);

    expect(oursReads(c)).toBe(false);
    expect(ours).toEqual(sdk);
  });
});
