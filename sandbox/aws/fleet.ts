import { ImageCatalog } from './images.js';
import type {
  AccountDefaultInput,
  AccountInput,
  AsgInput,
  InstanceInput,
  LaunchTemplateInput,
} from './inputs.js';
import { toMillis, toUsageModel } from './inputs.js';
import { OrganizationModel } from './organization.js';
import { hexId, mulberry32, type Rng } from './prng.js';
import { buildAccount, buildInstance, type InstanceLinks, resolveVersion } from './records.js';
import { InstanceRefreshes } from './refreshes.js';
import { SecurityHubFindings } from './security-hub.js';
import { SqsModel } from './sqs.js';
import { SsmModel } from './ssm.js';
import { analyzerOutcome } from './ssm-analyzer.js';
import type {
  AccountRecord,
  AsgRecord,
  InstanceRecord,
  LaunchTemplateRecord,
  ScopeData,
  UsagePattern,
} from './types.js';

export interface FleetOptions {
  hubAccountId?: string;
  /** seeds the ids the fleet makes up (instances, templates) */
  seed?: number;
  now?: () => Date;
  /** the hub account's own settings (role, regions); its id is hubAccountId */
  hub?: Omit<AccountInput, 'id'>;
}

const scopeKey = (accountId: string, region: string): string => `${accountId}:${region}`;

/**
 * The mutable fleet the emulator serves: accounts, and per account × region the instances,
 * launch templates, Auto Scaling groups and the instance metadata default.
 * Any access key the emulator did not issue belongs to the hub account.
 */
export class Fleet {
  readonly hubAccountId: string;
  /** the organization whose management account is the hub: OUs, and how ListAccounts answers */
  readonly organization: OrganizationModel;
  /** the AMIs, per region, with their ImdsSupport (DescribeImages) */
  readonly images = new ImageCatalog();
  /** Auto Scaling instance refreshes, moved on by the clock */
  readonly refreshes = new InstanceRefreshes();
  /** SSM managed instances and Run Command invocations */
  readonly ssm = new SsmModel();
  /** SQS queues, and the EventBridge drift feed into one */
  readonly sqs = new SqsModel();
  /** findings imported into Security Hub (BatchImportFindings) */
  readonly securityHub = new SecurityHubFindings();
  private clock: () => Date;
  private readonly rng: Rng;
  private readonly accountMap = new Map<string, AccountRecord>();
  private readonly scopes = new Map<string, ScopeData>();
  private readonly instanceMap = new Map<string, InstanceRecord>();
  private readonly templateMap = new Map<string, LaunchTemplateRecord>();

  constructor(options: FleetOptions = {}) {
    this.hubAccountId = options.hubAccountId ?? '111111111111';
    this.organization = new OrganizationModel(this.hubAccountId);
    this.clock = options.now ?? (() => new Date());
    this.rng = mulberry32(options.seed ?? 1);
    this.addAccount({ ...options.hub, id: this.hubAccountId, name: options.hub?.name ?? 'hub' });
    this.ssm.fallback = (id, commands) => analyzerOutcome(this.instance(id), commands, this.now());
  }

  now(): number {
    return this.clock().getTime();
  }

  /** The emulator calls this so that the fleet and the server share one clock. */
  useClock(now: () => Date): void {
    this.clock = now;
  }

  addAccount(input: AccountInput): AccountRecord {
    if (!/^\d{12}$/.test(input.id)) throw new Error(`account id must be 12 digits: ${input.id}`);
    if (input.parentId !== undefined && !this.organization.isParent(input.parentId))
      throw new Error(`unknown OU ${input.parentId}: organization.addOrganizationalUnit() first`);
    const record = buildAccount(input, this.now(), this.organization.rootId);
    this.accountMap.set(input.id, record);
    return record;
  }

  account(id: string): AccountRecord | undefined {
    return this.accountMap.get(id);
  }

  accounts(): AccountRecord[] {
    return [...this.accountMap.values()];
  }

  /** The scope, or undefined when the account does not exist or the region is not enabled. */
  scope(accountId: string, region: string): ScopeData | undefined {
    const found = this.scopes.get(scopeKey(accountId, region));
    if (found) return found;
    const account = this.accountMap.get(accountId);
    if (!account?.enabledRegions.includes(region)) return undefined;
    const created: ScopeData = {
      accountId,
      region,
      instances: [],
      templates: [],
      asgs: [],
      asgByName: new Map(),
      accountDefault: { managedBy: 'account' },
    };
    this.scopes.set(scopeKey(accountId, region), created);
    return created;
  }

  private requireScope(accountId: string | undefined, region: string | undefined): ScopeData {
    const id = accountId ?? this.hubAccountId;
    const account = this.accountMap.get(id);
    if (!account) throw new Error(`unknown account ${id}: addAccount() first`);
    const name = region ?? account.enabledRegions[0] ?? 'us-east-1';
    const scope = this.scope(id, name);
    if (!scope) throw new Error(`region ${name} is not enabled for account ${id}`);
    return scope;
  }

  addInstance(input: InstanceInput = {}): InstanceRecord {
    const scope = this.requireScope(input.accountId, input.region);
    if (input.instanceId && this.instanceMap.has(input.instanceId)) {
      throw new Error(`duplicate instance id ${input.instanceId}`);
    }
    const links = this.linksFor(scope, input);
    let record = buildInstance(
      { ...input, accountId: scope.accountId, region: scope.region },
      links,
      this.rng,
      this.now(),
    );
    while (this.instanceMap.has(record.instanceId)) {
      record = { ...record, instanceId: hexId(this.rng, 'i') };
    }
    scope.instances.push(record);
    this.instanceMap.set(record.instanceId, record);
    if (links.asg && record.state !== 'terminated') links.asg.instanceIds.add(record.instanceId);
    return record;
  }

  /** addInstance, as a RunInstances (launched now unless said otherwise): the drift feed hears of it. */
  launchInstance(input: InstanceInput = {}): InstanceRecord {
    const record = this.addInstance({ launchTime: new Date(this.now()), ...input });
    this.sqs.ranInstance(record, this.now());
    return record;
  }

  private linksFor(scope: ScopeData, input: InstanceInput): InstanceLinks {
    const asg = input.asg === undefined ? null : (scope.asgByName.get(input.asg) ?? null);
    if (input.asg !== undefined && !asg)
      throw new Error(`no Auto Scaling group ${input.asg} in ${scope.region}`);
    const templateId = input.launchTemplate?.id ?? asg?.launchTemplate?.id;
    if (templateId === undefined) return { asg, template: null, templateVersion: null };
    const template = this.launchTemplate(scope.accountId, scope.region, templateId);
    if (!template) throw new Error(`no launch template ${templateId} in ${scope.accountId}:${scope.region}`);
    const spec = input.launchTemplate?.version ?? asg?.launchTemplate?.version;
    return { asg, template, templateVersion: resolveVersion(template, spec) };
  }

  instance(instanceId: string): InstanceRecord | undefined {
    return this.instanceMap.get(instanceId);
  }

  instanceCount(): number {
    return this.instanceMap.size;
  }

  addLaunchTemplate(input: LaunchTemplateInput = {}): LaunchTemplateRecord {
    const scope = this.requireScope(input.accountId, input.region);
    const id = input.launchTemplateId ?? hexId(this.rng, 'lt');
    const createTime = toMillis(input.createTime, this.now() - 90 * 86_400_000);
    const versions = input.versions ?? [{}];
    const record: LaunchTemplateRecord = {
      launchTemplateId: id,
      name: input.name ?? `template-${id.slice(3, 11)}`,
      accountId: scope.accountId,
      region: scope.region,
      createTime,
      createdBy: `arn:aws:iam::${scope.accountId}:user/admin`,
      defaultVersion: input.defaultVersion ?? 1,
      latestVersion: versions.length,
      versions: new Map(
        versions.map((data, i) => [i + 1, { versionNumber: i + 1, description: null, createTime, data }]),
      ),
      tags: input.tags ?? {},
    };
    if (!record.versions.has(record.defaultVersion))
      throw new Error(`template ${id} has no version ${record.defaultVersion}`);
    scope.templates.push(record);
    this.templateMap.set(id, record);
    return record;
  }

  /** The template when it exists in that account × region. */
  launchTemplate(accountId: string, region: string, id: string): LaunchTemplateRecord | undefined {
    const found = this.templateMap.get(id);
    return found && found.accountId === accountId && found.region === region ? found : undefined;
  }

  addAutoScalingGroup(input: AsgInput): AsgRecord {
    const scope = this.requireScope(input.accountId, input.region);
    const template = input.launchTemplate
      ? this.launchTemplate(scope.accountId, scope.region, input.launchTemplate.id)
      : undefined;
    if (input.launchTemplate && !template) throw new Error(`no launch template ${input.launchTemplate.id}`);
    const record: AsgRecord = {
      name: input.name,
      accountId: scope.accountId,
      region: scope.region,
      arn: `arn:aws:autoscaling:${scope.region}:${scope.accountId}:autoScalingGroup:${hexId(this.rng, 'g').slice(2)}:autoScalingGroupName/${input.name}`,
      createdTime: toMillis(input.createdTime, this.now() - 60 * 86_400_000),
      launchTemplate: template
        ? {
            id: template.launchTemplateId,
            name: template.name,
            version: input.launchTemplate?.version ?? '$Default',
          }
        : null,
      mixedInstancesPolicy: input.mixedInstancesPolicy ?? false,
      launchConfigurationName: input.launchConfigurationName ?? null,
      minSize: input.minSize ?? 1,
      maxSize: input.maxSize ?? 10,
      instanceIds: new Set(),
      tags: input.tags ?? {},
    };
    if (scope.asgByName.has(record.name)) throw new Error(`duplicate Auto Scaling group ${record.name}`);
    scope.asgs.push(record);
    scope.asgByName.set(record.name, record);
    return record;
  }

  /** Sets the instance metadata default of one region, or of every enabled region with '*'. */
  setAccountDefault(accountId: string, region: string, value: AccountDefaultInput): void {
    const account = this.accountMap.get(accountId);
    if (!account) throw new Error(`unknown account ${accountId}`);
    const regions = region === '*' ? account.enabledRegions : [region];
    for (const name of regions) {
      const scope = this.requireScope(accountId, name);
      scope.accountDefault = { ...value, managedBy: value.managedBy ?? 'account' };
    }
  }

  setUsage(instanceId: string, pattern: UsagePattern): void {
    this.requireInstance(instanceId).usage = toUsageModel(pattern, this.now());
  }

  terminateInstance(instanceId: string, at?: Date): void {
    const record = this.requireInstance(instanceId);
    record.state = 'terminated';
    record.terminatedAt = at ? at.getTime() : this.now();
    if (record.asgName)
      this.scope(record.accountId, record.region)
        ?.asgByName.get(record.asgName)
        ?.instanceIds.delete(instanceId);
  }

  stopInstance(instanceId: string, at?: Date): void {
    const record = this.requireInstance(instanceId);
    record.state = 'stopped';
    record.stoppedAt = at ? at.getTime() : this.now();
  }

  private requireInstance(instanceId: string): InstanceRecord {
    const record = this.instanceMap.get(instanceId);
    if (!record) throw new Error(`unknown instance ${instanceId}`);
    return record;
  }
}
