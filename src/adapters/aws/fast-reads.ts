import { GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  GetInstanceMetadataDefaultsCommand,
} from '@aws-sdk/client-ec2';
import { readGetMetricData } from './fast-json.js';
import {
  type BodyReader,
  ec2Reader,
  list,
  memberList,
  queryReader,
  type Struct,
  struct,
} from './fast-xml.js';

/**
 * The scan's answers read by our own readers (fast-xml.ts, fast-json.ts) instead of the SDK's:
 * DescribeInstances and GetMetricData, and the prevention reads (GetInstanceMetadataDefaults,
 * DescribeLaunchTemplateVersions, DescribeImages, and Auto Scaling's DescribeAutoScalingGroups).
 * On the SDK's own client: the request is still built, signed, sent and retried by the SDK, every
 * non-2xx answer (throttling, AccessDenied, an HTML 500) is read and classified by the SDK, and so
 * is any 2xx body our reader does not handle. Only a command marked with
 * `fastRead` is read this way, so every other caller gets the SDK's full output.
 */

/** The members of an instance that the scan and remediation read (map-instance.ts). */
const INSTANCE = struct({
  instanceId: ['InstanceId', 'string'],
  imageId: ['ImageId', 'string'],
  instanceState: ['State', struct({ code: ['Code', 'number'], name: ['Name', 'string'] })],
  launchTime: ['LaunchTime', 'date'],
  tagSet: ['Tags', list(struct({ key: ['Key', 'string'], value: ['Value', 'string'] }))],
  metadataOptions: [
    'MetadataOptions',
    struct({
      state: ['State', 'string'],
      httpTokens: ['HttpTokens', 'string'],
      httpPutResponseHopLimit: ['HttpPutResponseHopLimit', 'number'],
      httpEndpoint: ['HttpEndpoint', 'string'],
      httpProtocolIpv6: ['HttpProtocolIpv6', 'string'],
      instanceMetadataTags: ['InstanceMetadataTags', 'string'],
    }),
  ],
  iamInstanceProfile: ['IamInstanceProfile', struct({ arn: ['Arn', 'string'], id: ['Id', 'string'] })],
  ipAddress: ['PublicIpAddress', 'string'],
});

const DESCRIBE_INSTANCES: Struct = struct({
  reservationSet: [
    'Reservations',
    list(
      struct({
        reservationId: ['ReservationId', 'string'],
        ownerId: ['OwnerId', 'string'],
        instancesSet: ['Instances', list(INSTANCE)],
      }),
    ),
  ],
  nextToken: ['NextToken', 'string'],
});

/** The account's default for new instances (prevention.ts readAccountDefault). */
const GET_INSTANCE_METADATA_DEFAULTS: Struct = struct({
  accountLevel: [
    'AccountLevel',
    struct({
      httpTokens: ['HttpTokens', 'string'],
      httpPutResponseHopLimit: ['HttpPutResponseHopLimit', 'number'],
      httpEndpoint: ['HttpEndpoint', 'string'],
      instanceMetadataTags: ['InstanceMetadataTags', 'string'],
      managedBy: ['ManagedBy', 'string'],
      managedExceptionMessage: ['ManagedExceptionMessage', 'string'],
    }),
  ],
});

/** The members of a template version that the scan reads (prevention.ts readLaunchTemplates). */
const DESCRIBE_LAUNCH_TEMPLATE_VERSIONS: Struct = struct({
  launchTemplateVersionSet: [
    'LaunchTemplateVersions',
    list(
      struct({
        launchTemplateId: ['LaunchTemplateId', 'string'],
        launchTemplateName: ['LaunchTemplateName', 'string'],
        versionNumber: ['VersionNumber', 'number'],
        defaultVersion: ['DefaultVersion', 'boolean'],
        launchTemplateData: [
          'LaunchTemplateData',
          struct({
            imageId: ['ImageId', 'string'],
            metadataOptions: [
              'MetadataOptions',
              struct({
                httpTokens: ['HttpTokens', 'string'],
                httpPutResponseHopLimit: ['HttpPutResponseHopLimit', 'number'],
                httpEndpoint: ['HttpEndpoint', 'string'],
              }),
            ],
          }),
        ],
      }),
    ),
  ],
  nextToken: ['NextToken', 'string'],
});

/** The members of an AMI that the scan reads (guardrails.ts readImages). */
const DESCRIBE_IMAGES: Struct = struct({
  imagesSet: [
    'Images',
    list(
      struct({
        imageId: ['ImageId', 'string'],
        name: ['Name', 'string'],
        imdsSupport: ['ImdsSupport', 'string'],
      }),
    ),
  ],
  nextToken: ['NextToken', 'string'],
});

/** A launch template as an Auto Scaling group names it. */
const TEMPLATE_SPECIFICATION = struct({
  LaunchTemplateId: ['LaunchTemplateId', 'string'],
  LaunchTemplateName: ['LaunchTemplateName', 'string'],
  Version: ['Version', 'string'],
});

/**
 * The members of a group that the scan reads (prevention.ts listGroups: its name, its template
 * directly or through a mixed instances policy, and its tags for tagRecord). Its Instances, the
 * bulk of the answer, are not read there and are skipped. An AWS Query answer: `member` lists.
 */
const DESCRIBE_AUTO_SCALING_GROUPS: Struct = struct({
  AutoScalingGroups: [
    'AutoScalingGroups',
    memberList(
      struct({
        AutoScalingGroupName: ['AutoScalingGroupName', 'string'],
        LaunchTemplate: ['LaunchTemplate', TEMPLATE_SPECIFICATION],
        MixedInstancesPolicy: [
          'MixedInstancesPolicy',
          struct({
            LaunchTemplate: [
              'LaunchTemplate',
              struct({
                LaunchTemplateSpecification: ['LaunchTemplateSpecification', TEMPLATE_SPECIFICATION],
              }),
            ],
          }),
        ],
        Tags: ['Tags', memberList(struct({ Key: ['Key', 'string'], Value: ['Value', 'string'] }))],
      }),
    ),
  ],
  NextToken: ['NextToken', 'string'],
});

const READERS = {
  DescribeInstances: ec2Reader('DescribeInstances', DESCRIBE_INSTANCES),
  GetMetricData: readGetMetricData,
  GetInstanceMetadataDefaults: ec2Reader('GetInstanceMetadataDefaults', GET_INSTANCE_METADATA_DEFAULTS),
  DescribeLaunchTemplateVersions: ec2Reader(
    'DescribeLaunchTemplateVersions',
    DESCRIBE_LAUNCH_TEMPLATE_VERSIONS,
  ),
  DescribeImages: ec2Reader('DescribeImages', DESCRIBE_IMAGES),
  DescribeAutoScalingGroups: queryReader('DescribeAutoScalingGroups', DESCRIBE_AUTO_SCALING_GROUPS),
} satisfies Record<string, BodyReader>;
type Operation = keyof typeof READERS;

const isOperation = (v: unknown): v is Operation => typeof v === 'string' && Object.hasOwn(READERS, v);

/** What our reader makes of an operation's 2xx body; null when it leaves the body to the SDK. */
export const readBody = (operation: Operation, text: string): Record<string, unknown> | null =>
  READERS[operation](text);

/** The key, in the SDK's handler context, of the operation a command asked to be read by us. */
const CONTEXT_KEY = 'imdsBotFastRead';

interface HttpResponseLike {
  statusCode: number;
  body?: unknown;
}
interface ProtocolLike {
  deserializeResponse(
    op: { name: string },
    ctx: Record<string, unknown>,
    response: HttpResponseLike,
  ): Promise<unknown>;
  deserializeMetadata?(response: HttpResponseLike): unknown;
}
interface ClientLike {
  config: { protocol?: unknown };
}

const utf8 = new TextDecoder('utf-8');

/**
 * Lets `client` read the marked commands' 2xx answers with our readers. The SDK calls its
 * protocol's deserializeResponse from its own deserializer middleware; this wraps that method of
 * this client's protocol object only. If the SDK ever changes that shape, nothing is wrapped and
 * the SDK reads everything, as before.
 */
export function installFastReads<C>(client: C): C {
  const protocol = (client as unknown as ClientLike).config.protocol as ProtocolLike | undefined;
  if (typeof protocol?.deserializeResponse !== 'function') return client;
  const sdk = protocol.deserializeResponse.bind(protocol);
  protocol.deserializeResponse = async (op, ctx, response) => {
    const wanted = ctx[CONTEXT_KEY];
    const reader = isOperation(wanted) && wanted === op.name ? READERS[wanted] : undefined;
    const collect = ctx.streamCollector as ((body: unknown) => Promise<Uint8Array>) | undefined;
    if (!reader || !collect || response.statusCode < 200 || response.statusCode >= 300)
      return sdk(op, ctx, response);
    const bytes = response.body instanceof Uint8Array ? response.body : await collect(response.body);
    response.body = bytes; // read again by the SDK when ours does not handle it
    const out = reader(utf8.decode(bytes));
    if (out === null) return sdk(op, ctx, response);
    out.$metadata = protocol.deserializeMetadata?.(response) ?? { httpStatusCode: response.statusCode };
    return out;
  };
  return client;
}

/** Marks a command so that a client with installFastReads reads its 2xx answer with our reader. */
function fastRead<T extends { middlewareStack: { add: (...args: never[]) => void } }>(
  command: T,
  operation: Operation,
): T {
  type Add = (
    mw: (
      next: (a: unknown) => Promise<unknown>,
      ctx: Record<string, unknown>,
    ) => (a: unknown) => Promise<unknown>,
    opts: { step: 'initialize'; name: string },
  ) => void;
  (command.middlewareStack.add as unknown as Add)(
    (next, ctx) => (args) => {
      ctx[CONTEXT_KEY] = operation;
      return next(args);
    },
    { step: 'initialize', name: 'imdsBotFastRead' },
  );
  return command;
}

/** One GetMetricData call, read by our reader where the client has it installed. */
export function getMetricDataCommand(input: GetMetricDataCommandInput): GetMetricDataCommand {
  return fastRead(new GetMetricDataCommand(input), 'GetMetricData');
}

/** One DescribeInstances page, read by our reader where the client has it installed. */
export function describeInstancesCommand(input: DescribeInstancesCommandInput): DescribeInstancesCommand {
  return fastRead(new DescribeInstancesCommand(input), 'DescribeInstances');
}

/** GetInstanceMetadataDefaults, read by our reader where the client has it installed. */
export function getInstanceMetadataDefaultsCommand(): GetInstanceMetadataDefaultsCommand {
  return fastRead(new GetInstanceMetadataDefaultsCommand({}), 'GetInstanceMetadataDefaults');
}

/**
 * A paginator's `withCommand` (paginateDescribeLaunchTemplateVersions, paginateDescribeImages,
 * paginateDescribeAutoScalingGroups): every page's command marked for our reader.
 */
export function fastPages(
  operation: 'DescribeLaunchTemplateVersions' | 'DescribeImages' | 'DescribeAutoScalingGroups',
) {
  return <T extends { middlewareStack: { add: (...args: never[]) => void } }>(command: T): T =>
    fastRead(command, operation);
}
