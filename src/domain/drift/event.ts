import { z } from 'zod';
import { AccountId } from '../account-id.js';

/**
 * A CloudTrail management event as an EventBridge rule delivers it ("AWS API Call via CloudTrail",
 * source aws.ec2) for the two calls that can let IMDSv1 in between scans: RunInstances (the
 * launched ids are in responseElements.instancesSet.items[].instanceId) and
 * ModifyInstanceMetadataOptions (the id is in requestParameters). Only the fields the bot uses are
 * read; the options the event claims are not trusted: the instance is described again.
 */

const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const InstanceId = z.string().regex(INSTANCE_ID, 'an instance id');
const Region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region name');

export const DRIFT_EVENT_NAMES = ['RunInstances', 'ModifyInstanceMetadataOptions'] as const;
export type DriftEventName = (typeof DRIFT_EVENT_NAMES)[number];

const UserIdentity = z.looseObject({
  type: z.string().optional(),
  arn: z.string().optional(),
  invokedBy: z.string().optional(),
  sessionContext: z
    .looseObject({ sessionIssuer: z.looseObject({ arn: z.string().optional() }).optional() })
    .optional(),
});

const Detail = z.looseObject({
  eventName: z.string(),
  eventSource: z.literal('ec2.amazonaws.com'),
  eventTime: z.iso.datetime(),
  awsRegion: Region,
  recipientAccountId: AccountId,
  eventID: z.string().optional(),
  /** a refused call (an SCP denied the launch, a bad parameter): nothing changed */
  errorCode: z.string().optional(),
  userIdentity: UserIdentity.optional(),
  requestParameters: z.unknown().optional(),
  responseElements: z.unknown().optional(),
});

/** The EventBridge envelope (version, id, detail-type, source, account, time, region, detail). */
export const CloudTrailEnvelope = z.looseObject({
  version: z.string(),
  id: z.string().min(1).max(200),
  'detail-type': z.literal('AWS API Call via CloudTrail'),
  source: z.literal('aws.ec2'),
  account: AccountId,
  time: z.iso.datetime(),
  region: Region,
  detail: Detail,
});

const Launched = z.looseObject({
  instancesSet: z.looseObject({ items: z.array(z.looseObject({ instanceId: InstanceId })).min(1) }),
});
/** CloudTrail logs this call's parameters under the request's name; a flat instanceId is accepted too. */
const Modified = z.union([
  z
    .looseObject({ ModifyInstanceMetadataOptionsRequest: z.looseObject({ InstanceId }) })
    .transform((p) => p.ModifyInstanceMetadataOptionsRequest.InstanceId),
  z.looseObject({ instanceId: InstanceId }).transform((p) => p.instanceId),
]);

export interface DriftEvent {
  /** EventBridge's event id: the same delivery twice carries the same id */
  id: string;
  name: DriftEventName;
  accountId: string;
  region: string;
  instanceIds: string[];
  /** who made the call (an ARN, or the service that made it on someone's behalf); null when unsaid */
  actor: string | null;
  /** when the call was made (CloudTrail eventTime) */
  at: string;
}

export type ParsedDriftEvent =
  | { kind: 'event'; event: DriftEvent }
  /** well-formed, but nothing to scan (another call, a refused call) */
  | { kind: 'ignored'; reason: string }
  /** not an event of this shape: will never parse, whatever the number of attempts */
  | { kind: 'malformed'; reason: string };

const actorOf = (d: z.infer<typeof Detail>): string | null =>
  d.userIdentity?.sessionContext?.sessionIssuer?.arn ??
  d.userIdentity?.arn ??
  d.userIdentity?.invokedBy ??
  null;

function instanceIdsOf(name: DriftEventName, d: z.infer<typeof Detail>): string[] | string {
  if (name === 'RunInstances') {
    const r = Launched.safeParse(d.responseElements);
    return r.success
      ? r.data.instancesSet.items.map((i) => i.instanceId)
      : 'no responseElements.instancesSet';
  }
  const m = Modified.safeParse(d.requestParameters);
  if (!m.success) return 'no instance id in requestParameters';
  return [m.data];
}

const isDriftName = (name: string): name is DriftEventName =>
  (DRIFT_EVENT_NAMES as readonly string[]).includes(name);

/** The first problem zod found, short (no values: the body is untrusted). */
const problemOf = (error: z.ZodError): string => {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
};

/** Reads one SQS message body. */
export function parseDriftEvent(body: string): ParsedDriftEvent {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'malformed', reason: 'the body is not JSON' };
  }
  const parsed = CloudTrailEnvelope.safeParse(json);
  if (!parsed.success) return { kind: 'malformed', reason: problemOf(parsed.error) };
  const { id, detail } = parsed.data;
  if (!isDriftName(detail.eventName)) return { kind: 'ignored', reason: 'not a call that changes IMDS' };
  if (detail.errorCode) return { kind: 'ignored', reason: 'the call was refused' };
  const ids = instanceIdsOf(detail.eventName, detail);
  if (typeof ids === 'string') return { kind: 'malformed', reason: ids };
  return {
    kind: 'event',
    event: {
      id,
      name: detail.eventName,
      accountId: detail.recipientAccountId,
      region: detail.awsRegion,
      instanceIds: [...new Set(ids)],
      actor: actorOf(detail),
      at: detail.eventTime,
    },
  };
}
