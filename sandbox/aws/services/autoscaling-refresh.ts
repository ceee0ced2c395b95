import type { FormCall, XmlAction } from '../context.js';
import { resolveVersion } from '../records.js';
import { type DesiredTemplate, isActive, type RefreshPreferences, type RefreshRecord } from '../refreshes.js';
import type { AsgRecord } from '../types.js';
import { ApiError, validationError } from '../wire/errors.js';
import { pageOf } from '../wire/tokens.js';
import { isoTime, type XmlWriter } from '../wire/xml.js';

/**
 * Auto Scaling StartInstanceRefresh / DescribeInstanceRefreshes / CancelInstanceRefresh /
 * RollbackInstanceRefresh, awsQuery (Version 2011-01-01): Preferences.* members, error codes
 * InstanceRefreshInProgress, ActiveInstanceRefreshNotFound and IrreversibleInstanceRefresh as the
 * Auto Scaling API Reference names them. DesiredConfiguration.LaunchTemplate (id or name, and a
 * version) is honoured; AutoRollback and RollbackInstanceRefresh need one, and a group on a numbered
 * version (API_RefreshPreferences: "A rollback is not supported ... There is no desired configuration
 * specified ... The Auto Scaling group uses the launch template's $Latest or $Default version").
 * The refresh itself is sandbox/aws/refreshes.ts.
 */

/** Auto Scaling's answer to AutoRollback without a desired configuration (as AWS words it). */
const ROLLBACK_NEEDS_DESIRED =
  "The request isn't valid. The AutoRollback parameter cannot be set to true when the DesiredConfiguration parameter is empty. Set AutoRollback to false or specify a desired configuration and try again.";
/** IrreversibleInstanceRefreshFault's description in the API reference. */
const IRREVERSIBLE =
  'The request failed because a desired configuration was not found or an incompatible launch template (uses a Systems Manager parameter instead of an AMI ID) or launch template version ($Latest or $Default) is present on the Auto Scaling group.';

const numbered = (version: string | undefined): boolean => version !== undefined && /^\d+$/.test(version);

function desiredOf(call: FormCall, g: AsgRecord): DesiredTemplate | null {
  const p = call.params;
  const prefix = 'DesiredConfiguration.LaunchTemplate';
  if (p.has('DesiredConfiguration.MixedInstancesPolicy'))
    throw validationError('the emulator supports DesiredConfiguration.LaunchTemplate only');
  if (!p.has(prefix)) return null;
  const id = p.str(`${prefix}.LaunchTemplateId`);
  const name = p.str(`${prefix}.LaunchTemplateName`);
  const scope = call.fleet.scope(g.accountId, g.region);
  const t = scope?.templates.find((x) => x.launchTemplateId === id || (id === undefined && x.name === name));
  if (!t)
    throw validationError(
      `The specified launch template, with template ID ${id ?? name ?? ''}, does not exist.`,
    );
  const version = resolveVersion(t, p.str(`${prefix}.Version`));
  if (version === null)
    throw validationError(
      `The specified launch template version ${p.str(`${prefix}.Version`) ?? ''} does not exist.`,
    );
  return { id: t.launchTemplateId, name: t.name, version };
}

function groupOf(call: FormCall): AsgRecord {
  const name = call.params.required('AutoScalingGroupName');
  const g = call.fleet.scope(call.principal.accountId, call.region)?.asgByName.get(name);
  if (!g) throw validationError(`AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);
  call.fleet.refreshes.advance(call.fleet, g, call.now);
  return g;
}

function preferencesOf(call: FormCall, g: AsgRecord, desired: DesiredTemplate | null): RefreshPreferences {
  const p = call.params;
  const checkpoints = p.memberList('Preferences.CheckpointPercentages').map(Number);
  if (checkpoints.some((c, i) => !Number.isInteger(c) || c < 1 || c > 100 || c <= (checkpoints[i - 1] ?? 0)))
    throw validationError('CheckpointPercentages must be increasing integers from 1 to 100');
  const autoRollback = p.bool('Preferences.AutoRollback');
  if (autoRollback && !g.launchTemplate)
    throw validationError(
      'AutoRollback is supported only for Auto Scaling groups that use a launch template',
    );
  if (autoRollback && !desired) throw validationError(ROLLBACK_NEEDS_DESIRED);
  if (autoRollback && !numbered(g.launchTemplate?.version))
    throw new ApiError('IrreversibleInstanceRefresh', IRREVERSIBLE);
  return {
    minHealthyPercentage: p.int('Preferences.MinHealthyPercentage', 0, 100) ?? 90,
    instanceWarmup: p.int('Preferences.InstanceWarmup', 0, 86_400) ?? null,
    checkpointPercentages: checkpoints,
    checkpointDelay: p.int('Preferences.CheckpointDelay', 0, 172_800) ?? 3600,
    skipMatching: p.bool('Preferences.SkipMatching'),
    autoRollback,
  };
}

const activeOf = (call: FormCall, g: AsgRecord): RefreshRecord | undefined =>
  call.fleet.refreshes.of(g.accountId, g.region, g.name).find(isActive);

const startInstanceRefresh: XmlAction = (call, out) => {
  const g = groupOf(call);
  const strategy = call.params.oneOf('Strategy', ['Rolling', 'ReplaceRootVolume'] as const) ?? 'Rolling';
  if (strategy !== 'Rolling') throw validationError('the emulator supports the Rolling strategy only');
  const desired = desiredOf(call, g);
  const preferences = preferencesOf(call, g, desired);
  if (activeOf(call, g))
    throw new ApiError(
      'InstanceRefreshInProgress',
      'An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.',
    );
  const r = call.fleet.refreshes.start(call.fleet, g, preferences, call.now, desired);
  out.leaf('InstanceRefreshId', r.id);
};

function writePreferences(out: XmlWriter, p: RefreshPreferences): void {
  out.node('Preferences', (w) => {
    w.leaf('MinHealthyPercentage', p.minHealthyPercentage).leaf('InstanceWarmup', p.instanceWarmup);
    if (p.checkpointPercentages.length > 0)
      w.list('CheckpointPercentages', 'member', p.checkpointPercentages, (m, c) => m.text(String(c)));
    w.leaf('CheckpointDelay', p.checkpointDelay)
      .leaf('SkipMatching', p.skipMatching)
      .leaf('AutoRollback', p.autoRollback);
  });
}

function writeRefresh(out: XmlWriter, call: FormCall, r: RefreshRecord): void {
  out
    .leaf('InstanceRefreshId', r.id)
    .leaf('AutoScalingGroupName', r.asgName)
    .leaf('Status', r.status)
    .leaf('StatusReason', r.statusReason)
    .leaf('StartTime', isoTime(r.startTime))
    .leaf('EndTime', r.endTime === null ? null : isoTime(r.endTime))
    .leaf('PercentageComplete', call.fleet.refreshes.percentage(r))
    .leaf('InstancesToUpdate', r.pending.length);
  writePreferences(out, r.preferences);
  const d = r.desired;
  if (d)
    out.node('DesiredConfiguration', (w) =>
      w.node('LaunchTemplate', (t) =>
        t
          .leaf('LaunchTemplateId', d.id)
          .leaf('LaunchTemplateName', d.name)
          .leaf('Version', String(d.version)),
      ),
    );
}

const describeInstanceRefreshes: XmlAction = (call, out) => {
  const g = groupOf(call);
  const ids = call.params.memberList('InstanceRefreshIds');
  const all = call.fleet.refreshes
    .of(g.accountId, g.region, g.name)
    .filter((r) => ids.length === 0 || ids.includes(r.id));
  const maxRecords = call.params.int('MaxRecords', 1, 100) ?? 50;
  const fingerprint = call.params.fingerprint(['NextToken', 'MaxRecords']);
  const page = pageOf(all, call.params.str('NextToken'), fingerprint, maxRecords, 'InvalidNextToken');
  out.list('InstanceRefreshes', 'member', page.items, (w, r) => writeRefresh(w, call, r));
  out.leaf('NextToken', page.nextToken);
};

function requireActive(call: FormCall, g: AsgRecord): RefreshRecord {
  const r = activeOf(call, g);
  if (!r)
    throw new ApiError(
      'ActiveInstanceRefreshNotFound',
      'No in progress or pending Instance Refresh found for Auto Scaling group',
    );
  return r;
}

const cancelInstanceRefresh: XmlAction = (call, out) => {
  const g = groupOf(call);
  const r = requireActive(call, g);
  call.fleet.refreshes.cancel(r);
  out.leaf('InstanceRefreshId', r.id);
};

const rollbackInstanceRefresh: XmlAction = (call, out) => {
  const g = groupOf(call);
  const r = requireActive(call, g);
  if (!r.desired || !numbered(g.launchTemplate?.version))
    throw new ApiError('IrreversibleInstanceRefresh', IRREVERSIBLE);
  if (r.status === 'RollbackInProgress' || r.status === 'Cancelling')
    throw new ApiError(
      'IrreversibleInstanceRefresh',
      `The instance refresh ${r.id} cannot be rolled back in its status ${r.status}`,
    );
  call.fleet.refreshes.rollback(r);
  out.leaf('InstanceRefreshId', r.id);
};

export const autoScalingRefreshActions: Record<string, XmlAction> = {
  CancelInstanceRefresh: cancelInstanceRefresh,
  DescribeInstanceRefreshes: describeInstanceRefreshes,
  RollbackInstanceRefresh: rollbackInstanceRefresh,
  StartInstanceRefresh: startInstanceRefresh,
};
