import { isLaggard } from '../domain/findings/classify.js';
import type { Finding } from '../domain/findings/model.js';
import type { Report } from './report.js';
import {
  CONTROL,
  descriptionOf,
  findingUid,
  instanceArn,
  partitionOf,
  remediationOf,
  type Severity,
  severityOf,
  titleOf,
} from './security-findings.js';

/**
 * OCSF Compliance Finding (class 2003, category 2 Findings), schema 1.3.0 with the cloud profile.
 * Required by the class and its base event: activity_id, category_uid, class_uid, type_uid,
 * severity_id, time, metadata (product, version), finding_info (uid, title), compliance
 * (standards), and cloud (provider) for the cloud profile. https://schema.ocsf.io/1.3.0/classes/compliance_finding
 * One JSON document per line (JSON Lines): what SIEMs and Amazon Security Lake's custom sources take.
 */
export const OCSF_VERSION = '1.3.0';
/** What OCSF's base event requires of every class. */
export const OCSF_BASE_REQUIRED = [
  'activity_id',
  'category_uid',
  'class_uid',
  'type_uid',
  'severity_id',
  'time',
  'metadata',
] as const;
export const OCSF_REQUIRED = [...OCSF_BASE_REQUIRED, 'finding_info', 'compliance', 'cloud'] as const;

const CLASS_UID = 2003;
const ACTIVITY = { create: 1, update: 2 } as const;
const SEVERITY_ID: Record<Severity, number> = { INFORMATIONAL: 1, LOW: 2, MEDIUM: 3, HIGH: 4 };
const SEVERITY_NAME: Record<Severity, string> = {
  INFORMATIONAL: 'Informational',
  LOW: 'Low',
  MEDIUM: 'Medium',
  HIGH: 'High',
};

export interface OcsfOptions {
  /** imds-bot's version, for metadata.product.version */
  productVersion?: string;
}

export function ocsfFinding(f: Finding, at: string, opts: OcsfOptions = {}) {
  const failed = isLaggard(f);
  const severity = severityOf(f);
  const activity = ACTIVITY.update;
  return {
    activity_id: activity,
    activity_name: 'Update',
    category_uid: 2,
    category_name: 'Findings',
    class_uid: CLASS_UID,
    class_name: 'Compliance Finding',
    type_uid: CLASS_UID * 100 + activity,
    type_name: 'Compliance Finding: Update',
    severity_id: SEVERITY_ID[severity],
    severity: SEVERITY_NAME[severity],
    time: Date.parse(at),
    // 1 New, 4 Resolved: a fixed instance's finding closes
    status_id: failed ? 1 : 4,
    status: failed ? 'New' : 'Resolved',
    message: titleOf(f),
    metadata: {
      version: OCSF_VERSION,
      profiles: ['cloud'],
      product: {
        name: 'imds-bot',
        vendor_name: 'imds-bot',
        ...(opts.productVersion ? { version: opts.productVersion } : {}),
      },
      uid: findingUid(f),
    },
    finding_info: {
      uid: findingUid(f),
      title: titleOf(f),
      desc: descriptionOf(f),
      types: ['IMDSv1 allowed'],
      created_time: Date.parse(f.launchTime),
      modified_time: Date.parse(at),
    },
    compliance: {
      standards: [CONTROL.standard],
      control: CONTROL.id,
      requirements: [CONTROL.title],
      // 1 Pass, 3 Fail
      status_id: failed ? 3 : 1,
      status: failed ? 'Fail' : 'Pass',
    },
    remediation: { desc: remediationOf(f), references: [CONTROL.howTo, CONTROL.doc] },
    cloud: {
      provider: 'AWS',
      region: f.region,
      account: { uid: f.accountId, type: 'AWS Account', type_id: 10 },
    },
    resources: [
      {
        uid: instanceArn(f),
        name: f.name ?? f.instanceId,
        type: 'AWS::EC2::Instance',
        region: f.region,
        cloud_partition: partitionOf(f.region),
        owner: f.owner ? { name: f.owner } : undefined,
        labels: Object.entries(f.tags).map(([k, v]) => `${k}=${v}`),
        data: {
          instanceId: f.instanceId,
          state: f.state,
          httpTokens: f.httpTokens,
          httpEndpoint: f.httpEndpoint,
          hopLimit: f.hopLimit,
          asg: f.asg,
          launchTemplate: f.launchTemplate,
        },
      },
    ],
    unmapped: {
      readiness: f.readiness,
      readinessReason: f.readinessReason ?? null,
      noTokenCalls: f.usage?.noTokenCalls ?? null,
      lastIMDSv1Call: f.usage?.lastSeen ?? null,
      templateRisk: f.templateRisk,
      risk: f.risk,
    },
  };
}
export type OcsfFinding = ReturnType<typeof ocsfFinding>;

export function* ocsfChunks(r: Report, opts: OcsfOptions = {}): Generator<string> {
  for (const f of r.findings) yield `${JSON.stringify(ocsfFinding(f, r.finishedAt, opts))}\n`;
}
