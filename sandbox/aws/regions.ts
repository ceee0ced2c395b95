/** The 17 commercial regions every account has enabled by default. */
export const DEFAULT_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'sa-east-1',
];

/** Regions an account must opt in to; listed by DescribeRegions AllRegions=true when not enabled. */
export const OPT_IN_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
];

export const ALL_REGIONS: readonly string[] = [...DEFAULT_REGIONS, ...OPT_IN_REGIONS];

export type OptInStatus = 'opt-in-not-required' | 'opted-in' | 'not-opted-in';

export function optInStatus(region: string, enabled: boolean): OptInStatus {
  if (!enabled) return 'not-opted-in';
  return DEFAULT_REGIONS.includes(region) ? 'opt-in-not-required' : 'opted-in';
}
