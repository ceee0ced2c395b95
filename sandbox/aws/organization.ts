import type { AccountState } from './types.js';

/** How ListAccounts describes an account's state: as AWS does now, before 9 September 2026, or from before State existed. */
export type AccountStateFields = 'State' | 'State+Status' | 'Status';

export interface OrganizationalUnit {
  id: string;
  name: string;
  parentId: string;
}

/** The policy types the emulator stores (Organizations has more; these are the ones IMDS cares about). */
export type PolicyType = 'SERVICE_CONTROL_POLICY' | 'DECLARATIVE_POLICY_EC2' | 'RESOURCE_CONTROL_POLICY';

export interface PolicyRecord {
  id: string;
  name: string;
  description: string;
  type: PolicyType;
  awsManaged: boolean;
  /** the policy document, JSON text, as DescribePolicy returns it */
  content: string;
  /** root, OU or account ids the policy is attached to, in attachment order */
  targets: string[];
}

/** The old Status could only say these: a closed or not yet activated account showed as SUSPENDED. */
export function legacyStatusOf(state: AccountState): 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' {
  return state === 'ACTIVE' || state === 'PENDING_CLOSURE' ? state : 'SUSPENDED';
}

/**
 * The organization around the fleet's accounts: one root, nested OUs, and how ListAccounts
 * answers. Accounts say their own parent (AccountRecord.parentId, the root by default).
 */
export class OrganizationModel {
  readonly id: string;
  readonly rootId: string;
  /** 'State' (default): AWS after the retirement of Status on 9 September 2026 */
  accountStateFields: AccountStateFields = 'State';
  private readonly ous = new Map<string, OrganizationalUnit>();
  private readonly policyMap = new Map<string, PolicyRecord>();

  constructor(hubAccountId: string) {
    const tag = hubAccountId.slice(0, 4);
    this.id = `o-${hubAccountId.slice(0, 10)}`;
    this.rootId = `r-${tag}`;
  }

  /** Adds an OU under `parentId` (the root by default) and returns its id. */
  addOrganizationalUnit(input: { name: string; parentId?: string; id?: string }): string {
    const parentId = input.parentId ?? this.rootId;
    if (!this.isParent(parentId)) throw new Error(`unknown parent ${parentId}: add it first`);
    const id = input.id ?? `ou-${this.rootId.slice(2)}-${String(this.ous.size + 1).padStart(8, '0')}`;
    if (!/^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/.test(id)) throw new Error(`not an OU id: ${id}`);
    this.ous.set(id, { id, name: input.name, parentId });
    return id;
  }

  isParent(id: string): boolean {
    return id === this.rootId || this.ous.has(id);
  }

  ou(id: string): OrganizationalUnit | undefined {
    return this.ous.get(id);
  }

  /**
   * Adds a policy attached to `targets` (root, OU or account ids; not checked against the
   * accounts, which the fleet holds) and returns its id. The id is `p-` and 8 or more characters.
   */
  addPolicy(
    input: Omit<PolicyRecord, 'id' | 'awsManaged' | 'description' | 'targets'> & Partial<PolicyRecord>,
  ): string {
    const id = input.id ?? `p-${String(this.policyMap.size + 1).padStart(8, '0')}`;
    if (!/^p-[0-9a-zA-Z_]{8,128}$/.test(id)) throw new Error(`not a policy id: ${id}`);
    const record: PolicyRecord = {
      id,
      name: input.name,
      description: input.description ?? '',
      type: input.type,
      awsManaged: input.awsManaged ?? false,
      content: input.content,
      targets: [...(input.targets ?? [])],
    };
    this.policyMap.set(id, record);
    return id;
  }

  policy(id: string): PolicyRecord | undefined {
    return this.policyMap.get(id);
  }

  /** The policies of one type, in the order they were added. */
  policies(type: PolicyType): PolicyRecord[] {
    return [...this.policyMap.values()].filter((p) => p.type === type);
  }

  /** The OUs directly under a root or OU, in the order they were added. */
  childOus(parentId: string): OrganizationalUnit[] {
    return [...this.ous.values()].filter((o) => o.parentId === parentId);
  }
}
