import {
  type AutoScalingClient,
  type DescribeAutoScalingGroupsCommandOutput,
  type LaunchTemplateSpecification,
  paginateDescribeAutoScalingGroups,
} from '@aws-sdk/client-auto-scaling';
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
import { classifyAwsError } from '../../src/adapters/aws/errors.js';
import {
  fastPages,
  getInstanceMetadataDefaultsCommand,
  readBody,
} from '../../src/adapters/aws/fast-reads.js';
import { readImages } from '../../src/adapters/aws/guardrails.js';
import {
  readAccountDefault,
  readAutoScalingGroups,
  readLaunchTemplates,
} from '../../src/adapters/aws/prevention.js';
import { autoScalingClientsFor, clientsFor, fixedPeer } from '../support/fast-reads.js';

/**
 * Our readers of the scan's prevention reads (GetInstanceMetadataDefaults,
 * DescribeLaunchTemplateVersions, DescribeImages, Auto Scaling's DescribeAutoScalingGroups)
 * against the SDK's, on the same bytes: two real clients (EC2 or Auto Scaling), one with
 * installFastReads, send the same marked commands over HTTP. Every member src/ reads must come
 * out the same, and so must what prevention.ts and guardrails.ts make of them; anything ours does
 * not handle must give the SDK's own output or error, and every non-2xx answer the SDK's error.
 */

/** Every page a paginator gives, in order. */
async function allPages<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

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

const specView = (s: LaunchTemplateSpecification | undefined) =>
  s === undefined
    ? undefined
    : { LaunchTemplateId: s.LaunchTemplateId, LaunchTemplateName: s.LaunchTemplateName, Version: s.Version };

/** What prevention.ts listGroups reads of a group. */
const groupsView = (o: DescribeAutoScalingGroupsCommandOutput) => ({
  NextToken: o.NextToken,
  AutoScalingGroups: o.AutoScalingGroups?.map((g) => ({
    AutoScalingGroupName: g.AutoScalingGroupName,
    LaunchTemplate: specView(g.LaunchTemplate),
    MixedInstancesPolicy:
      g.MixedInstancesPolicy === undefined
        ? undefined
        : {
            LaunchTemplate:
              g.MixedInstancesPolicy.LaunchTemplate === undefined
                ? undefined
                : {
                    LaunchTemplateSpecification: specView(
                      g.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification,
                    ),
                  },
          },
    Tags: g.Tags?.map((t) => ({ Key: t.Key, Value: t.Value })),
  })),
});

const ami = (n: number) => `ami-${n.toString(16).padStart(8, '0')}`;

/**
 * Templates with and without metadata options, several versions, a default other than 1; Auto
 * Scaling groups launching them directly, through a mixed instances policy or from a launch
 * configuration, with instances, EKS / ECS / odd tags.
 */
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
  const templates: string[] = [];
  for (let n = 0; n < 9; n++) {
    const t = fleet.addLaunchTemplate({
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
    templates.push(t.launchTemplateId);
  }
  const groupTags: Record<string, string>[] = [
    {},
    { 'eks:nodegroup-name': 'ng-1', 'eks:cluster-name': 'prod', Name: 'node' },
    { AmazonECSManaged: '' },
    { team: 'a & <b> "c"', note: 'line\nbreak', 'aws:autoscaling:groupName': 'x' },
  ];
  const versionsOf = ['$Default', '$Latest', '1', '2'];
  for (let n = 0; n < 8; n++) {
    const name = n === 5 ? 'odd & <group> "q"' : `asg-${n}`;
    fleet.addAutoScalingGroup({
      accountId: ACCOUNT,
      region: REGION,
      name,
      ...(n === 3
        ? { launchConfigurationName: 'old-lc' }
        : {
            launchTemplate: { id: templates[n] ?? '', version: versionsOf[n % 4] ?? '$Default' },
            mixedInstancesPolicy: n % 2 === 1,
          }),
      tags: groupTags[n % groupTags.length] ?? {},
    });
    for (let k = 0; k < n % 3; k++) fleet.addInstance({ accountId: ACCOUNT, region: REGION, asg: name });
  }
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
    const pages = (client: EC2Client) =>
      allPages(
        paginateDescribeLaunchTemplateVersions(
          { client, pageSize: 4, withCommand: fastPages('DescribeLaunchTemplateVersions') },
          input(),
        ),
      );
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
    const pages = (client: EC2Client) =>
      allPages(
        paginateDescribeImages(
          { client, pageSize: 5, withCommand: fastPages('DescribeImages') },
          { Filters: [{ Name: 'image-id', Values: ids }] },
        ),
      );
    const [a, b] = [await pages(sdk), await pages(ours)];

    expect(a.length).toBeGreaterThan(1);
    expect(b.map(imagesView)).toEqual(a.map(imagesView));
    expect(a[0]?.Images?.[0]?.Architecture).toEqual(expect.any(String));
    expect(b[0]?.Images?.[0]?.Architecture).toBeUndefined();
    const read = await readImages(ours, ids);
    expect(read).toEqual(await readImages(sdk, ids));
    expect(read).toHaveLength(12);
  });

  it('DescribeAutoScalingGroups: every page like the SDK, and readAutoScalingGroups the same', async () => {
    const { sdk, ours } = autoScalingClientsFor(emulator.url, REGION);
    const pages = (client: AutoScalingClient) =>
      allPages(
        paginateDescribeAutoScalingGroups(
          { client, pageSize: 3, withCommand: fastPages('DescribeAutoScalingGroups') },
          {},
        ),
      );
    const [a, b] = [await pages(sdk), await pages(ours)];

    expect(a.length).toBe(3);
    expect(b.map(groupsView)).toEqual(a.map(groupsView));
    const groups = b.flatMap((p) => p.AutoScalingGroups ?? []);
    expect(groups.filter((g) => g.MixedInstancesPolicy).length).toBe(3);
    expect(groups.filter((g) => g.LaunchTemplate).length).toBe(4);
    // the SDK reads every member; ours only those we use: the ARN and Instances tell which one read the page
    const all = a.flatMap((p) => p.AutoScalingGroups ?? []);
    expect(all[0]?.AutoScalingGroupARN).toEqual(expect.any(String));
    expect(all.some((g) => (g.Instances ?? []).length > 0)).toBe(true);
    expect(groups[0]?.AutoScalingGroupARN).toBeUndefined();
    expect(groups.every((g) => g.Instances === undefined)).toBe(true);
    expect(b[0]?.$metadata.httpStatusCode).toBe(200);

    const ec2 = clientsFor(emulator.url, REGION);
    const scope = { accountId: ACCOUNT, region: REGION };
    const templates = await readLaunchTemplates(ec2.sdk, scope);
    const read = await readAutoScalingGroups(ours, ec2.ours, scope, templates);
    expect(read).toEqual(await readAutoScalingGroups(sdk, ec2.sdk, scope, templates));
    expect(read).toHaveLength(8);
    expect(read.filter((g) => g.manager !== null).length).toBe(4);
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

const ASG_NS = 'xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"';
const asgResponse = (inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeAutoScalingGroupsResponse ${ASG_NS}>\n  ${inner}\n  <ResponseMetadata>\n    <RequestId>r-1</RequestId>\n  </ResponseMetadata>\n</DescribeAutoScalingGroupsResponse>`;
const groups = (members: string, extra = '') =>
  asgResponse(
    `<DescribeAutoScalingGroupsResult>\n    <AutoScalingGroups>${members}</AutoScalingGroups>${extra}\n  </DescribeAutoScalingGroupsResult>`,
  );
const spec = (id: string, name: string, version: string) =>
  `<LaunchTemplateId>${id}</LaunchTemplateId><LaunchTemplateName>${name}</LaunchTemplateName><Version>${version}</Version>`;
const group = (name: string, inner: string) =>
  `\n      <member>\n        <AutoScalingGroupName>${name}</AutoScalingGroupName><AutoScalingGroupARN>arn:aws:autoscaling:eu-west-1:${ACCOUNT}:autoScalingGroup:g-1:autoScalingGroupName/g</AutoScalingGroupARN><MinSize>1</MinSize><AvailabilityZones><member>eu-west-1a</member><member>eu-west-1b</member></AvailabilityZones>${inner}<CreatedTime>2026-01-02T03:04:05.000Z</CreatedTime>\n      </member>`;
const asgInstances = (n: number, template: boolean) =>
  `<Instances>${Array.from(
    { length: n },
    (_, k) =>
      `<member><InstanceId>i-0${k}</InstanceId><LifecycleState>InService</LifecycleState>${template ? `<LaunchTemplate>${spec('lt-other', 'other', String(k + 1))}</LaunchTemplate>` : ''}<ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>`,
  ).join('\n')}</Instances>`;
const asgTags = (pairs: [string, string][]) =>
  `<Tags>${pairs
    .map(
      ([k, v]) =>
        `<member><ResourceId>g</ResourceId><ResourceType>auto-scaling-group</ResourceType><Key>${k}</Key><Value>${v}</Value><PropagateAtLaunch>true</PropagateAtLaunch></member>`,
    )
    .join('')}</Tags>`;
const mixed = (specification: string, extra = '') =>
  `<MixedInstancesPolicy><LaunchTemplate>${specification}<Overrides><member><InstanceType>t3.large</InstanceType><LaunchTemplateSpecification>${spec('lt-arm', 'arm', '4')}</LaunchTemplateSpecification></member></Overrides></LaunchTemplate>${extra}<InstancesDistribution><OnDemandBaseCapacity>0</OnDemandBaseCapacity></InstancesDistribution></MixedInstancesPolicy>`;

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
  groupsPage: {
    op: 'groups',
    body: groups(
      group(
        'web',
        `<LaunchTemplate>${spec('lt-0a', 'web', '$Default')}</LaunchTemplate>${asgInstances(3, true)}${asgTags(
          [
            ['eks:nodegroup-name', 'ng'],
            ['eks:cluster-name', 'prod'],
          ],
        )}`,
      ) +
        group(
          'old',
          `<LaunchConfigurationName>old-lc</LaunchConfigurationName>${asgInstances(2, false)}<Tags/>`,
        ) +
        group(
          'a &amp; &lt;b&gt; &#x41;',
          `<LaunchTemplate>${spec('lt-0b', 'x &amp; y', '3')}</LaunchTemplate><Instances/>${asgTags([
            ['AmazonECSManaged', ''],
            ['c', '<![CDATA[<b>&amp;</b>]]>'],
            ['__proto__', 'p'],
          ])}`,
        ),
      '<NextToken>n&amp;1</NextToken>',
    ),
  },
  groupsMixed: {
    op: 'groups',
    body: groups(
      group(
        'mixed',
        mixed(`<LaunchTemplateSpecification>${spec('lt-0c', 'm', '$Latest')}</LaunchTemplateSpecification>`),
      ) +
        group(
          'mixed-id-only',
          mixed(
            '<LaunchTemplateSpecification><LaunchTemplateId>lt-0d</LaunchTemplateId></LaunchTemplateSpecification>',
          ),
        ) +
        group('mixed-empty-spec', mixed('<LaunchTemplateSpecification/>')) +
        group('mixed-no-template', '<MixedInstancesPolicy><InstancesDistribution/></MixedInstancesPolicy>') +
        group('mixed-empty', '<MixedInstancesPolicy/>'),
    ),
  },
  groupsEmpty: { op: 'groups', body: groups('') },
  groupsSelfClosedList: {
    op: 'groups',
    body: asgResponse(
      '<DescribeAutoScalingGroupsResult><AutoScalingGroups/></DescribeAutoScalingGroupsResult>',
    ),
  },
  groupsBlankList: { op: 'groups', body: groups('\n    ') },
  groupsEmptyResult: { op: 'groups', body: asgResponse('<DescribeAutoScalingGroupsResult/>') },
  groupsNoResult: { op: 'groups', body: asgResponse('') },
  // without the Result wrapper the SDK reads nothing: neither does ours
  groupsNoWrapper: {
    op: 'groups',
    body: asgResponse(`<AutoScalingGroups>${group('g', '')}</AutoScalingGroups><NextToken>t</NextToken>`),
  },
  // EC2's `item` entries are not Query list entries: the SDK reads none, and so does ours
  groupsItemEntries: {
    op: 'groups',
    body: groups('<item><AutoScalingGroupName>g</AutoScalingGroupName></item>'),
  },
  groupsEmptyMembers: {
    op: 'groups',
    body: groups(
      `<member/>${group('e', '<LaunchTemplate/><Tags><member/><member><Key/><Value/></member></Tags>')}${group('', '<LaunchTemplate><Version></Version></LaunchTemplate>')}`,
      '<NextToken/>',
    ),
  },
  groupsCompact: {
    op: 'groups',
    body: `<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult><NextToken>t</NextToken><AutoScalingGroups><member><Tags><member><Key>k</Key><Value>v</Value></member></Tags><AutoScalingGroupName>g</AutoScalingGroupName></member></AutoScalingGroups></DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>`,
  },
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
  groupsHtml: { op: 'groups', body: '<html><head><title>Not here</title></html>' },
  groupsEmptyBody: { op: 'groups', body: '' },
  // the SDK does not look at the root's name; ours wants the operation's
  groupsOtherRoot: {
    op: 'groups',
    body: `<Response><DescribeAutoScalingGroupsResult><AutoScalingGroups>${group('g', '')}</AutoScalingGroups></DescribeAutoScalingGroupsResult></Response>`,
  },
  groupsComment: { op: 'groups', body: groups(group('g', '<!-- c --><Tags/>')) },
  groupsAttribute: {
    op: 'groups',
    body: groups('<member kind="x"><AutoScalingGroupName>g</AutoScalingGroupName></member>'),
  },
  groupsRepeatedName: {
    op: 'groups',
    body: groups(group('g', '<AutoScalingGroupName>again</AutoScalingGroupName>')),
  },
  groupsRepeatedResult: {
    op: 'groups',
    body: asgResponse(
      `<DescribeAutoScalingGroupsResult><AutoScalingGroups>${group('a', '')}</AutoScalingGroups></DescribeAutoScalingGroupsResult><DescribeAutoScalingGroupsResult><AutoScalingGroups>${group('b', '')}</AutoScalingGroups></DescribeAutoScalingGroupsResult>`,
    ),
  },
  groupsTextInResult: {
    op: 'groups',
    body: asgResponse(
      '<DescribeAutoScalingGroupsResult>stray<AutoScalingGroups/></DescribeAutoScalingGroupsResult>',
    ),
  },
  groupsTruncated: { op: 'groups', body: groups(group('g', asgInstances(4, true))).slice(0, 400) },
  groupsElementInText: { op: 'groups', body: groups(group('g-<b>1</b>', '')) },
  groupsMismatchedInInstances: {
    op: 'groups',
    body: groups(group('g', '<Instances><member><InstanceId>i-1</member></InstanceId></Instances>')),
  },
};

type Op = 'defaults' | 'versions' | 'images' | 'groups';
const OPERATION = {
  defaults: 'GetInstanceMetadataDefaults',
  versions: 'DescribeLaunchTemplateVersions',
  images: 'DescribeImages',
  groups: 'DescribeAutoScalingGroups',
} as const;
const READ = (op: Op, body: string) => readBody(OPERATION[op], body);
/** Whether our reader takes the body (else the SDK reads it). */
const oursReads = (c: { op: Op; body: string }) => READ(c.op, c.body) !== null;
type Outcome = { ok: true; view: unknown; rest: unknown } | { ok: false; name: string; message: string };

const settle = <T extends { $metadata: unknown }>(p: Promise<T>, view: (o: T) => unknown): Promise<Outcome> =>
  p.then(
    (o) => {
      const { $metadata: _, ...rest } = o;
      return { ok: true as const, view: view(o), rest };
    },
    (e: Error) => ({ ok: false as const, name: e.name, message: e.message }),
  );

const first = async <T>(pages: AsyncIterable<T>): Promise<T> => {
  for await (const page of pages) return page;
  throw new Error('no page');
};

/** The first page of DescribeAutoScalingGroups as listGroups asks for it. */
const firstGroups = (client: AutoScalingClient) =>
  first(
    paginateDescribeAutoScalingGroups(
      { client, pageSize: 100, withCommand: fastPages('DescribeAutoScalingGroups') },
      {},
    ),
  );

function send(clients: { ec2: EC2Client; asg: AutoScalingClient }, op: Op): Promise<Outcome> {
  const client = clients.ec2;
  if (op === 'groups') return settle(firstGroups(clients.asg), groupsView);
  if (op === 'defaults') return settle(client.send(getInstanceMetadataDefaultsCommand()), defaultsView);
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
    const ec2 = clientsFor(peer.url);
    const asg = autoScalingClientsFor(peer.url);
    return {
      sdk: await send({ ec2: ec2.sdk, asg: asg.sdk }, c.op),
      ours: await send({ ec2: ec2.ours, asg: asg.ours }, c.op),
    };
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

  it('a group read by ours lacks the members src/ does not read (ours did read it)', async () => {
    const c = HANDLED.groupsPage;
    if (!c) throw new Error('groupsPage');
    const { sdk, ours } = await both(c);
    const web = (o: Outcome) =>
      o.ok ? (o.rest as DescribeAutoScalingGroupsCommandOutput).AutoScalingGroups?.[0] : undefined;

    expect(web(sdk)?.Instances).toHaveLength(3);
    expect(web(sdk)?.MinSize).toBe(1);
    expect(web(ours)?.Instances).toBeUndefined();
    expect(web(ours)?.MinSize).toBeUndefined();
    expect(web(ours)?.LaunchTemplate?.LaunchTemplateId).toBe('lt-0a');
  });

  it.each(Object.keys(DEFERRED))('%s: left to the SDK, with its output or its error', async (name) => {
    const c = DEFERRED[name];
    if (!c) throw new Error(name);
    const { sdk, ours } = await both(c);

    expect(oursReads(c)).toBe(false);
    expect(ours).toEqual(sdk);
  });
});

const queryError = (code: string, message: string, type = 'Sender') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse ${ASG_NS}><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`;

/** Non-2xx answers: never ours to read, whatever the body, so the SDK's error and its class. */
const FAILURES: Record<string, { status: number; body: string }> = {
  throttling: { status: 400, body: queryError('Throttling', 'Rate exceeded') },
  invalidNextToken: { status: 400, body: queryError('InvalidNextToken', 'The token is not valid.') },
  accessDenied: {
    status: 403,
    body: queryError(
      'AccessDenied',
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/Scanner/s is not authorized to perform: autoscaling:DescribeAutoScalingGroups`,
    ),
  },
  resourceContention: {
    status: 500,
    body: queryError('ResourceContention', 'You already have a pending update', 'Receiver'),
  },
  htmlGateway: { status: 502, body: '<html><head><title>Bad Gateway</title></head></html>' },
  emptyUnavailable: { status: 503, body: '' },
  // a body ours would read, had the answer been a 2xx
  successShaped: { status: 400, body: groups(group('g', '')) },
};

describe('DescribeAutoScalingGroups non-2xx answers, left to the SDK', () => {
  let peer: Awaited<ReturnType<typeof fixedPeer>>;
  beforeAll(async () => {
    peer = await fixedPeer();
  });
  afterAll(async () => peer?.close());

  const outcome = (client: AutoScalingClient) =>
    firstGroups(client).then(
      () => null,
      (e: Error) => {
        const c = classifyAwsError(e, `DescribeAutoScalingGroups in ${ACCOUNT}/${REGION}`);
        return { name: e.name, message: e.message, code: c.code, transient: c.transient, text: c.message };
      },
    );

  it.each(Object.keys(FAILURES))('%s: the SDK error, classified the same', async (name) => {
    const f = FAILURES[name];
    if (!f) throw new Error(name);
    peer.answer(f.body, f.status);
    const { sdk, ours } = autoScalingClientsFor(peer.url);
    const [a, b] = [await outcome(sdk), await outcome(ours)];

    expect(a).not.toBeNull();
    expect(b).toEqual(a);
  });

  it('throttling is transient and AccessDenied is not, as the SDK names them', async () => {
    const classify = async (name: string) => {
      const f = FAILURES[name];
      if (!f) throw new Error(name);
      peer.answer(f.body, f.status);
      return outcome(autoScalingClientsFor(peer.url).ours);
    };

    expect(await classify('throttling')).toMatchObject({ code: 'Throttling', transient: true });
    expect(await classify('accessDenied')).toMatchObject({ code: 'AccessDenied', transient: false });
  });
});
