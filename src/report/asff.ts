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
  RecordState: 'ACTIVE';
}

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
    ProductArn: `arn:${partitionOf(importer.region)}:securityhub:${importer.region}:${importer.accountId}:product/${importer.accountId}/default`,
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

export const asffFindings = (r: Report, opts: AsffOptions = {}): AsffFinding[] =>
  r.findings.map((f) => asffFinding(f, r.finishedAt, opts));

/** A JSON array, one finding per line: `aws securityhub batch-import-findings --findings file://…` takes it (100 at a time). */
export function* asffChunks(r: Report, opts: AsffOptions = {}): Generator<string> {
  yield '[\n';
  for (const [i, f] of r.findings.entries())
    yield `${JSON.stringify(asffFinding(f, r.finishedAt, opts))}${i < r.findings.length - 1 ? ',' : ''}\n`;
  yield ']\n';
}
