import { type AuditEntry, type AuditType, canonicalJson } from '../domain/change/audit-chain.js';
import { OCSF_BASE_REQUIRED, OCSF_VERSION } from './ocsf.js';
import { partitionOf } from './security-findings.js';

/**
 * The audit trail as it leaves imds-bot: JSON lines with a stable, versioned schema
 * (docs/audit-schema.md, docs/audit-entry.schema.json), or OCSF API Activity events.
 * Each line is one JSON.stringify'd object: a line break a person typed (a reason, a name) is
 * written `\n` inside its string, so nothing can add a line, or a field, to the output. U+2028 and
 * U+2029, which JSON allows raw but some line readers split on, are written `\u2028`, `\u2029`
 * (the same JSON value).
 */

const oneLine = (json: string): string => json.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/** The JSON lines schema's version: a new optional field keeps it, a change of meaning bumps it. */
export const AUDIT_SCHEMA_VERSION = 1;

/**
 * One audit entry as a JSON line: `schemaVersion` first, then the entry's fields exactly as they
 * are chained (sorted keys). The hash covers every field but `hash` and `schemaVersion`.
 */
export const auditJsonLine = (e: AuditEntry): string =>
  `{"schemaVersion":${AUDIT_SCHEMA_VERSION},${oneLine(canonicalJson(e)).slice(1)}\n`;

/**
 * OCSF API Activity (class 6003, category 6 Application Activity), schema 1.3.0. Required by the
 * class (events/application/api_activity.json): actor, api (api.operation), src_endpoint (at least
 * one of ip, uid, name, hostname, svc_name…); by the base event: activity_id, category_uid,
 * class_uid, type_uid, severity_id, time, metadata (version, product). https://schema.ocsf.io/1.3.0/classes/api_activity
 */
export const OCSF_API_ACTIVITY_REQUIRED = [...OCSF_BASE_REQUIRED, 'actor', 'api', 'src_endpoint'] as const;

const CLASS_UID = 6003;
const ACTIVITY = { create: 1, read: 2, update: 3, other: 99 } as const;
const ACTIVITY_NAME: Record<number, string> = { 1: 'Create', 2: 'Read', 3: 'Update', 99: 'Other' };

/** A request is created; a verification reads the instance back; a refusal changed nothing. */
function activityOf(type: AuditType): number {
  if (type === 'requested') return ACTIVITY.create;
  if (type === 'verified') return ACTIVITY.read;
  if (type === 'refused') return ACTIVITY.other;
  return ACTIVITY.update;
}

const FAILURES = new Set<AuditType>(['failed', 'refused']);
/** worth a look: a change that failed, a refused attempt, the readiness gate overridden */
const NOTABLE = new Set<AuditType>(['failed', 'refused', 'override']);

function resourceType(resource: string): string {
  if (resource.startsWith('i-')) return 'AWS::EC2::Instance';
  if (resource.startsWith('lt-')) return 'AWS::EC2::LaunchTemplate';
  if (resource === 'account-default') return 'AWS::EC2::InstanceMetadataDefaults';
  return 'Other';
}

function actorOf(a: AuditEntry['actor']) {
  // user.type_id: 1 User, 3 System
  if ('userId' in a) return { user: { uid: a.userId, name: a.name, type_id: 1, type: 'User' } };
  return {
    user: { uid: `system:${a.system}`, name: a.system, type_id: 3, type: 'System' },
    invoked_by: 'imds-bot',
  };
}

export interface AuditOcsfOptions {
  /** imds-bot's version, for metadata.product.version */
  productVersion?: string;
}

export function auditOcsf(e: AuditEntry, opts: AuditOcsfOptions = {}) {
  const activity = activityOf(e.type);
  const failed = FAILURES.has(e.type);
  const severity = NOTABLE.has(e.type) ? { id: 3, name: 'Medium' } : { id: 1, name: 'Informational' };
  const fromSlack = 'userId' in e.actor || e.card !== null;
  return {
    activity_id: activity,
    activity_name: ACTIVITY_NAME[activity],
    category_uid: 6,
    category_name: 'Application Activity',
    class_uid: CLASS_UID,
    class_name: 'API Activity',
    type_uid: CLASS_UID * 100 + activity,
    type_name: `API Activity: ${ACTIVITY_NAME[activity]}`,
    severity_id: severity.id,
    severity: severity.name,
    time: Date.parse(e.at),
    // status_id: 1 Success, 2 Failure
    status_id: failed ? 2 : 1,
    status: failed ? 'Failure' : 'Success',
    ...(e.reason !== null ? { status_detail: e.reason } : {}),
    message: `${e.type} ${e.target.resource} in ${e.target.accountId}/${e.target.region}`,
    metadata: {
      version: OCSF_VERSION,
      profiles: ['cloud'],
      product: {
        name: 'imds-bot',
        vendor_name: 'imds-bot',
        ...(opts.productVersion ? { version: opts.productVersion } : {}),
      },
      uid: e.hash,
      sequence: e.seq,
      log_name: 'imds-bot audit trail',
      original_time: e.at,
      ...(e.requestId !== null ? { correlation_uid: e.requestId } : {}),
    },
    actor: actorOf(e.actor),
    api: {
      operation: e.type,
      service: { name: 'imds-bot' },
      ...(e.awsRequestId !== null ? { request: { uid: e.awsRequestId } } : {}),
    },
    src_endpoint: { svc_name: fromSlack ? 'slack' : 'imds-bot' },
    cloud: {
      provider: 'AWS',
      region: e.target.region,
      account: { uid: e.target.accountId, type: 'AWS Account', type_id: 10 },
    },
    resources: [
      {
        uid: e.target.resource,
        type: resourceType(e.target.resource),
        region: e.target.region,
        cloud_partition: partitionOf(e.target.region),
      },
    ],
    unmapped: {
      seq: e.seq,
      prevHash: e.prevHash,
      hash: e.hash,
      requestId: e.requestId,
      before: e.before,
      after: e.after,
      jobId: e.jobId,
      card: e.card,
      ...(e.session ? { session: e.session } : {}),
    },
  };
}
export type AuditOcsf = ReturnType<typeof auditOcsf>;

export const auditOcsfLine = (e: AuditEntry, opts: AuditOcsfOptions = {}): string =>
  `${oneLine(JSON.stringify(auditOcsf(e, opts)))}\n`;
