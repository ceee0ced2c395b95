/**
 * AMIs and what they give new instances. DescribeImages answers `ImdsSupport: v2.0` for an AMI
 * registered so that "instances launched from this AMI will have HttpTokens automatically set to
 * required" and a hop limit of 2 (EC2 API Reference, Image ImdsSupport); without it the AMI adds
 * nothing. The order that decides a new instance's HttpTokens (EC2 User Guide, "Order of precedence
 * for instance metadata options"; InstanceMetadataOptionsRequest HttpTokens default): what the
 * launch asks for (RunInstances or its launch template), else the account default (set by the
 * account or a declarative policy), else the AMI, else optional. Pure.
 */

export interface Image {
  imageId: string;
  name: string | null;
  /** 'v2.0', or null when the AMI does not set it */
  imdsSupport: 'v2.0' | null;
}

export interface LaunchedFromImage {
  instanceId: string;
  imageId: string;
}

export interface AmiRow {
  imageId: string;
  name: string | null;
  /** false: DescribeImages did not return it (deregistered, or not shared with the account) */
  described: boolean;
  instances: string[];
}

/** The AMIs the instances use that lack `v2.0`, each with its instances; AMIs with most instances first. */
export function amisWithoutV2(images: readonly Image[], instances: readonly LaunchedFromImage[]): AmiRow[] {
  const byId = new Map(images.map((i) => [i.imageId, i]));
  const rows = new Map<string, AmiRow>();
  for (const { instanceId, imageId } of instances) {
    const image = byId.get(imageId);
    if (image?.imdsSupport === 'v2.0') continue;
    const row = rows.get(imageId) ?? {
      imageId,
      name: image?.name ?? null,
      described: image !== undefined,
      instances: [],
    };
    row.instances.push(instanceId);
    rows.set(imageId, row);
  }
  return [...rows.values()].sort(
    (a, b) => b.instances.length - a.instances.length || a.imageId.localeCompare(b.imageId),
  );
}

/** Each finding with its AMI as DescribeImages answered it, where it did. */
export function withAmis<F extends { imageId?: string | undefined; ami?: Image | undefined }>(
  findings: readonly F[],
  images: readonly Image[],
): F[] {
  const byId = new Map(images.map((i) => [i.imageId, i]));
  return findings.map((f) => {
    const ami = f.imageId === undefined ? undefined : byId.get(f.imageId);
    return ami ? { ...f, ami: { imageId: ami.imageId, name: ami.name, imdsSupport: ami.imdsSupport } } : f;
  });
}

export type DecidedBy = 'launch' | 'account-default' | 'ami' | 'ec2-default';

export interface LaunchTokens {
  httpTokens: 'optional' | 'required';
  decidedBy: DecidedBy;
}

/** HttpTokens of an instance launched with these settings. */
export function newLaunchTokens(opts: {
  /** what the launch or its template sets; null when it leaves HttpTokens out */
  launch: 'optional' | 'required' | null;
  /** GetInstanceMetadataDefaults HttpTokens; null when unreadable or not set */
  accountDefault: 'optional' | 'required' | 'no-preference' | null;
  /** the AMI's ImdsSupport; undefined when the AMI is not known */
  ami: 'v2.0' | null | undefined;
}): LaunchTokens {
  if (opts.launch !== null) return { httpTokens: opts.launch, decidedBy: 'launch' };
  if (opts.accountDefault === 'optional' || opts.accountDefault === 'required')
    return { httpTokens: opts.accountDefault, decidedBy: 'account-default' };
  if (opts.ami === 'v2.0') return { httpTokens: 'required', decidedBy: 'ami' };
  return { httpTokens: 'optional', decidedBy: 'ec2-default' };
}
