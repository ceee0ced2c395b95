import { isLaggard } from '../domain/findings/classify.js';
import type { Finding } from '../domain/findings/model.js';
import type { Report } from './report.js';
import {
  CONTROL,
  clip,
  descriptionOf,
  findingUid,
  instanceArn,
  partitionOf,
  remediationOf,
  severityOf,
  titleOf,
} from './security-findings.js';

/**
 * AWS Security Finding Format (ASFF), the shape BatchImportFindings takes. Required top-level
 * attributes (https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html):
 * AwsAccountId, CreatedAt, Description, GeneratorId, Id, ProductArn, Resources, SchemaVersion,
 * Severity, Title, Types, UpdatedAt. Limits from the AwsSecurityFinding API reference: Title 256,
 * Description 1024, Remediation text 512 characters; ProductFields at most 50 entries.
 */
export const ASFF_SCHEMA_VERSION = '2018-10-08';
export const ASFF_REQUIRED = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'Types',
  'UpdatedAt',
] as const;

export interface AsffOptions {
  /**
   * The account and region that import the findings (the Security Hub administrator, usually the
   * hub). Absent: each finding is for its own account's Security Hub (`default` product there).
   */
  importer?: { accountId: string; region: string } | undefined;
}

export interface AsffFinding {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  ProductName: string;
  CompanyName: string;
  GeneratorId: string;
  AwsAccountId: string;
  Region: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: string };
  FindingProviderFields: { Severity: { Label: string }; Types: string[] };
  Title: string;
  Description: string;
  Remediation: { Recommendation: { Text: string; Url: string } };
  ProductFields: Record<string, string>;
  Resources: {
    Type: 'AwsEc2Instance';
    Id: string;
    Partition: string;
    Region: string;
    Tags?: Record<string, string>;
  }[];
  Compliance: { Status: 'PASSED' | 'FAILED'; RelatedRequirements: string[] };
  Workflow: { Status: 'NEW' | 'RESOLVED' };
  /** ARCHIVED: the instance is gone (terminated), the finding no longer applies */
  RecordState: 'ACTIVE' | 'ARCHIVED';
}

/** The importing account's own `default` product: what a custom integration imports under. */
const productArnOf = (i: { accountId: string; region: string }): string =>
  `arn:${partitionOf(i.region)}:securityhub:${i.region}:${i.accountId}:product/${i.accountId}/default`;

const TYPES = ['Software and Configuration Checks/AWS Security Best Practices'];

/** Resource tags as ASFF takes them: at most 50, keys 128 and values 256 characters. */
function tagsOf(f: Finding): Record<string, string> | undefined {
  const entries = Object.entries(f.tags).slice(0, 50);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([k, v]) => [clip(k, 128), clip(v, 256)]));
}

export function asffFinding(f: Finding, at: string, opts: AsffOptions = {}): AsffFinding {
  const importer = opts.importer ?? { accountId: f.accountId, region: f.region };
  const failed = isLaggard(f);
  const severity = severityOf(f);
  const tags = tagsOf(f);
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: findingUid(f),
    ProductArn: productArnOf(importer),
    ProductName: 'imds-bot',
    CompanyName: 'imds-bot',
    GeneratorId: `imds-bot/${CONTROL.id}`,
    AwsAccountId: f.accountId,
    Region: f.region,
    Types: TYPES,
    // the instance has allowed IMDSv1 since it was launched: a stable creation time across scans
    CreatedAt: f.launchTime,
    UpdatedAt: at,
    Severity: { Label: severity },
    FindingProviderFields: { Severity: { Label: severity }, Types: TYPES },
    Title: clip(titleOf(f), 256),
    Description: clip(descriptionOf(f), 1024),
    Remediation: { Recommendation: { Text: clip(remediationOf(f), 512), Url: CONTROL.howTo } },
    ProductFields: {
      'imds-bot/readiness': f.readiness,
      'imds-bot/httpTokens': f.httpTokens,
      'imds-bot/hopLimit': String(f.hopLimit),
      'imds-bot/noTokenCalls': String(f.usage?.noTokenCalls ?? ''),
      'imds-bot/lastIMDSv1Call': f.usage?.lastSeen ?? '',
      'imds-bot/owner': clip(f.owner ?? '', 2048),
      'imds-bot/asg': f.asg ?? '',
      'imds-bot/templateRisk': f.templateRisk ?? '',
    },
    Resources: [
      {
        Type: 'AwsEc2Instance',
        Id: instanceArn(f),
        Partition: partitionOf(f.region),
        Region: f.region,
        ...(tags ? { Tags: tags } : {}),
      },
    ],
    Compliance: {
      Status: failed ? 'FAILED' : 'PASSED',
      RelatedRequirements: [`${CONTROL.standard} ${CONTROL.id}`],
    },
    // a fixed instance's finding is sent again as RESOLVED: Security Hub closes it
    Workflow: { Status: failed ? 'NEW' : 'RESOLVED' },
    RecordState: 'ACTIVE',
  };
}

/** What is kept of a finding imported as FAILED: enough to archive it when its instance is gone. */
export interface AsffArchiveBasis {
  accountId: string;
  region: string;
  instanceId: string;
  /** the finding's CreatedAt (the instance's launch time) */
  createdAt: string;
  severity: string;
  owner: string | null;
}

export const archiveBasisOf = (f: Finding): AsffArchiveBasis => ({
  accountId: f.accountId,
  region: f.region,
  instanceId: f.instanceId,
  createdAt: f.launchTime,
  severity: severityOf(f),
  owner: f.owner,
});

/**
 * The finding of an instance that no longer exists (terminated, or gone from the scope): the same
 * id, RecordState ARCHIVED (the finding no longer applies) and Workflow RESOLVED, so Security Hub
 * stops counting it; Compliance stays FAILED, as it was last seen (it never passed).
 */
export function asffArchived(b: AsffArchiveBasis, at: string, opts: AsffOptions = {}): AsffFinding {
  const importer = opts.importer ?? { accountId: b.accountId, region: b.region };
  const ref = { accountId: b.accountId, region: b.region, instanceId: b.instanceId };
  const types = TYPES;
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: findingUid(ref),
    ProductArn: productArnOf(importer),
    ProductName: 'imds-bot',
    CompanyName: 'imds-bot',
    GeneratorId: `imds-bot/${CONTROL.id}`,
    AwsAccountId: b.accountId,
    Region: b.region,
    Types: types,
    CreatedAt: b.createdAt,
    UpdatedAt: at,
    Severity: { Label: b.severity },
    FindingProviderFields: { Severity: { Label: b.severity }, Types: types },
    Title: clip(`EC2 instance ${b.instanceId} accepted IMDSv1 and no longer exists`, 256),
    Description: clip(
      `Instance ${b.instanceId} accepted IMDSv1 when last scanned and is no longer found in its account and region (terminated): the finding no longer applies.${b.owner ? ` Owner: ${b.owner}.` : ''}`,
      1024,
    ),
    Remediation: { Recommendation: { Text: 'Nothing to do.', Url: CONTROL.howTo } },
    ProductFields: { 'imds-bot/readiness': 'gone', 'imds-bot/owner': clip(b.owner ?? '', 2048) },
    Resources: [
      { Type: 'AwsEc2Instance', Id: instanceArn(ref), Partition: partitionOf(b.region), Region: b.region },
    ],
    Compliance: { Status: 'FAILED', RelatedRequirements: [`${CONTROL.standard} ${CONTROL.id}`] },
    Workflow: { Status: 'RESOLVED' },
    RecordState: 'ARCHIVED',
  };
}

export const asffFindings = (r: Report, opts: AsffOptions = {}): AsffFinding[] =>
  r.findings.map((f) => asffFinding(f, r.finishedAt, opts));

/** A JSON array, one finding per line: `aws securityhub batch-import-findings --findings file://…` takes it (100 at a time). */
export function* asffChunks(r: Report, opts: AsffOptions = {}): Generator<string> {
  yield '[\n';
  for (const [i, f] of r.findings.entries())
    yield `${JSON.stringify(asffFinding(f, r.finishedAt, opts))}${i < r.findings.length - 1 ? ',' : ''}\n`;
  yield ']\n';
}
