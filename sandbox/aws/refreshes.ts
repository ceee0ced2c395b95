import type { InstanceInput } from './inputs.js';
import { resolveVersion } from './records.js';
import type { AsgRecord, InstanceRecord, LaunchTemplateRecord } from './types.js';

/**
 * Auto Scaling instance refreshes, moved forward by the emulator clock whenever one is read or
 * changed: every `stepMs` one batch of the group's instances is replaced (the old one terminated, a
 * new one launched from the version the group now resolves), the batch sized by
 * MinHealthyPercentage; at each checkpoint percentage the refresh waits CheckpointDelay seconds.
 * Cancel stops it (Cancelling, then Cancelled); rollback (asked for, or AutoRollback after a
 * failure the test injects) replaces the new instances with ones from the version they replaced.
 * With a desired configuration (a numbered launch-template version) the new instances come from
 * it, and the group itself is moved to it only once the refresh succeeds (as Auto Scaling does:
 * a rollback then finds the group's previous configuration untouched).
 * Statuses are the InstanceRefreshStatus values of the Auto Scaling API.
 */

/** What a refresh needs of the fleet (the Fleet itself, kept as an interface so the two do not import each other). */
export interface RefreshFleet {
  instance(instanceId: string): InstanceRecord | undefined;
  terminateInstance(instanceId: string, at?: Date): void;
  addInstance(input: InstanceInput): InstanceRecord;
  launchTemplate(accountId: string, region: string, id: string): LaunchTemplateRecord | undefined;
}

export type RefreshStatus =
  | 'Pending'
  | 'InProgress'
  | 'Successful'
  | 'Failed'
  | 'Cancelling'
  | 'Cancelled'
  | 'RollbackInProgress'
  | 'RollbackFailed'
  | 'RollbackSuccessful'
  | 'Baking';

export interface RefreshPreferences {
  minHealthyPercentage: number;
  instanceWarmup: number | null;
  checkpointPercentages: number[];
  /** seconds */
  checkpointDelay: number;
  skipMatching: boolean;
  autoRollback: boolean;
}

interface Replacement {
  oldId: string;
  newId: string;
  /** the template version the old instance came from */
  oldVersion: string | null;
}

export interface RefreshRecord {
  id: string;
  asgName: string;
  accountId: string;
  region: string;
  status: RefreshStatus;
  statusReason: string | null;
  startTime: number;
  endTime: number | null;
  preferences: RefreshPreferences;
  pending: string[];
  total: number;
  replaced: Replacement[];
  lastStepAt: number;
  waitUntil: number | null;
  /** the checkpoint percentages not reached yet */
  checkpointsLeft: number[];
  /** fail once this many instances are replaced (set by a test) */
  failAfter: number | null;
  /** StartInstanceRefresh's DesiredConfiguration.LaunchTemplate, resolved to a version number */
  desired: DesiredTemplate | null;
}

export interface DesiredTemplate {
  id: string;
  name: string;
  version: number;
}

const ACTIVE: ReadonlySet<RefreshStatus> = new Set([
  'Pending',
  'InProgress',
  'Cancelling',
  'RollbackInProgress',
  'Baking',
]);
export const isActive = (r: RefreshRecord): boolean => ACTIVE.has(r.status);

const versionTag = (i: InstanceRecord): string | null => i.tags['aws:ec2launchtemplate:version'] ?? null;

export class InstanceRefreshes {
  /** how long one batch takes */
  stepMs = 1000;
  private readonly all: RefreshRecord[] = [];
  private readonly failures = new Map<string, number>();
  private sequence = 0;

  /** The next refresh of this group fails after `replaced` instances (AutoRollback then rolls back). */
  failNext(asgName: string, replaced: number): void {
    this.failures.set(asgName, replaced);
  }

  of(accountId: string, region: string, asgName: string): RefreshRecord[] {
    return this.all.filter((r) => r.accountId === accountId && r.region === region && r.asgName === asgName);
  }

  start(
    fleet: RefreshFleet,
    g: AsgRecord,
    preferences: RefreshPreferences,
    now: number,
    desired: DesiredTemplate | null = null,
  ): RefreshRecord {
    const members = [...g.instanceIds].flatMap((id) => fleet.instance(id) ?? []);
    const target = desired?.version ?? this.targetVersion(fleet, g);
    const pending = members
      .filter((i) => !preferences.skipMatching || target === null || versionTag(i) !== String(target))
      .map((i) => i.instanceId);
    const id = `${(++this.sequence).toString(16).padStart(8, '0')}-refresh-${g.name.length.toString(16).padStart(4, '0')}`;
    const record: RefreshRecord = {
      id,
      asgName: g.name,
      accountId: g.accountId,
      region: g.region,
      status: 'InProgress',
      statusReason: null,
      startTime: now,
      endTime: null,
      preferences,
      pending,
      total: pending.length,
      replaced: [],
      lastStepAt: now,
      waitUntil: null,
      checkpointsLeft: [...preferences.checkpointPercentages],
      failAfter: this.failures.get(g.name) ?? null,
      desired,
    };
    this.failures.delete(g.name);
    this.all.unshift(record);
    return record;
  }

  private targetVersion(fleet: RefreshFleet, g: AsgRecord): number | null {
    if (!g.launchTemplate) return null;
    const t = fleet.launchTemplate(g.accountId, g.region, g.launchTemplate.id);
    return t ? resolveVersion(t, g.launchTemplate.version) : null;
  }

  percentage(r: RefreshRecord): number {
    if (r.total === 0) return 100;
    return Math.floor((r.replaced.length / r.total) * 100);
  }

  /** Moves every active refresh of the group forward to `now`. */
  advance(fleet: RefreshFleet, g: AsgRecord, now: number): void {
    for (const r of this.of(g.accountId, g.region, g.name)) {
      if (!isActive(r)) continue;
      if (r.status === 'Cancelling') this.finish(r, 'Cancelled', now, 'Cancelled by the user');
      while (isActive(r) && now - r.lastStepAt >= this.stepMs) {
        r.lastStepAt += this.stepMs;
        if (r.waitUntil !== null && r.lastStepAt < r.waitUntil) continue;
        r.waitUntil = null;
        if (r.status === 'RollbackInProgress') this.rollbackStep(fleet, g, r, r.lastStepAt);
        else this.step(fleet, g, r, r.lastStepAt);
      }
    }
  }

  private batchSize(r: RefreshRecord): number {
    return Math.max(1, Math.floor((r.total * (100 - r.preferences.minHealthyPercentage)) / 100));
  }

  private step(fleet: RefreshFleet, g: AsgRecord, r: RefreshRecord, at: number): void {
    for (const oldId of r.pending.splice(0, this.batchSize(r))) {
      const old = fleet.instance(oldId);
      if (!old) continue;
      fleet.terminateInstance(oldId, new Date(at));
      const fresh = fleet.addInstance({
        accountId: g.accountId,
        region: g.region,
        asg: g.name,
        launchTime: new Date(at),
        ...(r.desired ? { launchTemplate: { id: r.desired.id, version: r.desired.version } } : {}),
      });
      r.replaced.push({ oldId, newId: fresh.instanceId, oldVersion: versionTag(old) });
      if (r.failAfter !== null && r.replaced.length >= r.failAfter) {
        this.fail(r, at);
        return;
      }
    }
    if (r.pending.length === 0) {
      if (r.desired && g.launchTemplate)
        g.launchTemplate = { id: r.desired.id, name: r.desired.name, version: String(r.desired.version) };
      this.finish(r, 'Successful', at, null);
      return;
    }
    const done = this.percentage(r);
    const checkpoint = r.checkpointsLeft.find((p) => p < 100 && done >= p);
    if (checkpoint !== undefined) {
      r.checkpointsLeft = r.checkpointsLeft.filter((p) => p > checkpoint);
      r.waitUntil = at + r.preferences.checkpointDelay * 1000;
      r.statusReason = `Waiting for checkpoint at ${checkpoint}%`;
    } else r.statusReason = null;
  }

  private fail(r: RefreshRecord, at: number): void {
    if (!r.preferences.autoRollback) {
      this.finish(r, 'Failed', at, 'Instances failed to pass health checks');
      return;
    }
    r.status = 'RollbackInProgress';
    r.statusReason = 'Instances failed to pass health checks; rolling back';
  }

  private rollbackStep(fleet: RefreshFleet, g: AsgRecord, r: RefreshRecord, at: number): void {
    const back = r.replaced.splice(0, this.batchSize(r));
    for (const { newId, oldVersion } of back) {
      fleet.terminateInstance(newId, new Date(at));
      const template = g.launchTemplate;
      fleet.addInstance({
        accountId: g.accountId,
        region: g.region,
        asg: g.name,
        launchTime: new Date(at),
        ...(template && oldVersion
          ? { launchTemplate: { id: template.id, version: Number(oldVersion) } }
          : {}),
      });
    }
    if (r.replaced.length === 0) this.finish(r, 'RollbackSuccessful', at, r.statusReason);
  }

  /** Rollback of an active refresh: the instances it replaced go back to their previous version. */
  rollback(r: RefreshRecord): void {
    r.status = 'RollbackInProgress';
    r.statusReason = 'Rollback requested by the user';
    r.pending = [];
    r.waitUntil = null;
  }

  cancel(r: RefreshRecord): void {
    r.status = 'Cancelling';
  }

  private finish(r: RefreshRecord, status: RefreshStatus, at: number, reason: string | null): void {
    r.status = status;
    r.statusReason = reason;
    r.endTime = at;
  }
}
