/**
 * The oldest release of each AWS SDK, CLI and agent that speaks IMDSv2, for the "fix the software
 * first" part of an in-use card. Each entry names the page the version comes from. Where no AWS
 * page states a minimum, `minimum` is null and `note` says what is known: we do not invent one.
 * Pure data.
 */

export interface SoftwareMinimum {
  software: string;
  /** null: no AWS documentation states a minimum; see note */
  minimum: string | null;
  source: string;
  note?: string;
}

/** EC2 User Guide, "Use a supported AWS SDK" (the minimum versions that support IMDSv2). */
const SDK_PAGE =
  'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/use-a-supported-sdk-version-for-imdsv2.html';

export const IMDSV2_MINIMUMS: readonly SoftwareMinimum[] = [
  { software: 'AWS CLI', minimum: '1.16.289', source: SDK_PAGE, note: 'AWS CLI v2: every release' },
  { software: 'AWS Tools for Windows PowerShell', minimum: '4.0.1.0', source: SDK_PAGE },
  { software: 'AWS SDK for .NET', minimum: '3.3.634.1', source: SDK_PAGE },
  { software: 'AWS SDK for C++', minimum: '1.7.229', source: SDK_PAGE },
  { software: 'AWS SDK for Go', minimum: '1.25.38', source: SDK_PAGE },
  { software: 'AWS SDK for Go v2', minimum: '0.19.0', source: SDK_PAGE },
  { software: 'AWS SDK for Java', minimum: '1.11.678', source: SDK_PAGE },
  { software: 'AWS SDK for Java 2.x', minimum: '2.10.21', source: SDK_PAGE },
  {
    software: 'AWS SDK for JavaScript in Node.js',
    minimum: '2.722.0',
    source: SDK_PAGE,
    note: 'v2 of the SDK; the page lists no separate minimum for v3',
  },
  { software: 'AWS SDK for PHP', minimum: '3.147.7', source: SDK_PAGE },
  { software: 'AWS SDK for Python (Botocore)', minimum: '1.13.25', source: SDK_PAGE },
  { software: 'AWS SDK for Python (Boto3)', minimum: '1.12.6', source: SDK_PAGE },
  { software: 'AWS SDK for Ruby', minimum: '3.79.0', source: SDK_PAGE },
  {
    software: 'SSM Agent',
    // Not confirmed: no AWS documentation page we found states a minimum SSM Agent version for
    // IMDSv2. The agent's release notes (an AWS repository, not documentation) mention IMDSv2
    // work in 2.3.814.0 ("Bug fix for metadata service V2") and 3.0.413.0 ("Use IMDSv1 after IMDSv2").
    minimum: null,
    source: 'https://github.com/aws/amazon-ssm-agent/blob/mainline/RELEASENOTES.md',
    note: 'no documented minimum; update to the current release',
  },
  {
    software: 'CloudWatch agent',
    // Not confirmed: we found no AWS documentation page stating the first CloudWatch agent
    // release that uses IMDSv2; do not read a version into this entry.
    minimum: null,
    source: 'https://github.com/aws/amazon-cloudwatch-agent/blob/main/RELEASE_NOTES',
    note: 'no documented minimum; update to the current release',
  },
];

/** One line per entry for people: `AWS CLI ≥ 1.16.289 (AWS CLI v2: every release)`. */
export const minimumLine = (m: SoftwareMinimum): string => {
  const version = m.minimum === null ? 'current release' : `≥ ${m.minimum}`;
  return m.note ? `${m.software} ${version} (${m.note})` : `${m.software} ${version}`;
};
