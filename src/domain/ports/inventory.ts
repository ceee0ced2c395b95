import type {
  AccountDefault,
  AmiImage,
  AutoScalingGroup,
  Instance,
  LaunchTemplate,
  ScanError,
} from '../findings/model.js';
import type { AccountRef, ScanFilter } from '../findings/scan.js';
import type { OrganizationFacts, OrganizationPolicies } from '../guardrails/organization-facts.js';
import type { UsageReader } from './usage.js';

/** Ports of what a scan reads of an account x region (inventory, plan) and of the organization. */

export interface InstancesRead {
  instances: Instance[];
  /** instances whose shape could not be read (partial: the others are kept) */
  errors: ScanError[];
}

/**
 * The inventory of one account x region. Every call throws a CodedError (its `transient` flag
 * says whether another attempt can help) naming what failed and where.
 */
export interface InventoryReader {
  instances(): Promise<InstancesRead>;
  launchTemplates(): Promise<LaunchTemplate[]>;
  accountDefault(): Promise<AccountDefault | null>;
  autoScalingGroups(templates: LaunchTemplate[]): Promise<AutoScalingGroup[]>;
  /** ImdsSupport of these AMIs (DescribeImages); an AMI it does not return is absent */
  images(imageIds: string[]): Promise<AmiImage[]>;
}

/** The readers of one account x region, for the length of one job. */
export interface ScopeReaders {
  inventory: InventoryReader;
  usage: UsageReader;
}

export type OpenScope = (account: AccountRef, region: string) => ScopeReaders;

export interface ScopePlan {
  targets: {
    account: { accountId: string; roleArn: string | null; externalId?: string | undefined };
    regions: string[];
  }[];
  /** accounts that cannot be scanned at all (AssumeRole refused, regions unreadable) */
  errors: ScanError[];
  /** worth telling, not errors: opt-in regions skipped because an account has not enabled them */
  notes: string[];
}

/** Which account x region pairs a scan (of the whole workflow, or of `filter`) covers. */
export type ScopePlanner = (filter: ScanFilter) => Promise<ScopePlan>;

/** The organization's SCPs and declarative policies, read from the hub (organizations mode only). */
export interface OrganizationGuardrails {
  /** throws a CodedError when even the OU tree cannot be read; a policy type that fails is in `partial` */
  read(): Promise<OrganizationPolicies>;
  store: { put(facts: OrganizationFacts): Promise<void>; latest(): Promise<OrganizationFacts | null> };
}
