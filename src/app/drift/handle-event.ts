import type { DriftEvent } from '../../domain/drift/event.js';
import { classifyScope, isLaggard } from '../../domain/findings/classify.js';
import { type Finding, instanceKey, type Scope, type ScopeSnapshot } from '../../domain/findings/model.js';
import type { ScanSettings } from '../../domain/findings/scan.js';
import type {
  DriftAlerts,
  DriftFindings,
  DriftRead,
  DriftReader,
  HandledEvents,
} from '../../domain/ports/drift.js';
import type { Clock, Logger } from '../../domain/ports/shared.js';

/**
 * CloudTrail events (RunInstances, ModifyInstanceMetadataOptions) between scans: their instances
 * are described again in their account (never trusting what an event says), classified as the
 * scan classifies them, and their stored findings replaced. An instance that starts allowing
 * IMDSv1 (launched so, or modified back to optional) is a regression its owner hears of soon; the
 * alert is one per owner per burst (DriftAlerts). Events of one scope are handled together: one
 * DescribeInstances and one snapshot write for a batch. Events arrive at least once: an event id
 * already handled is skipped, and handling twice changes nothing more than handling once (an
 * instance already known as a laggard is not news).
 */

export interface DriftDeps {
  handled: HandledEvents;
  reader: DriftReader;
  findings: DriftFindings;
  alerts: DriftAlerts;
  settings: ScanSettings;
  log: Logger;
  now: Clock;
}

export interface DriftOutcome {
  /** instance keys that now allow IMDSv1 and did not before (their owners are alerted) */
  became: string[];
  /** instance keys that stopped allowing IMDSv1, or are gone */
  cleared: string[];
}

/** The events not handled before, for one scope: one read, one write. Throws what the read threw. */
export async function handleScopeEvents(
  deps: DriftDeps,
  scope: Scope,
  events: DriftEvent[],
): Promise<DriftOutcome> {
  const now = deps.now();
  const previous = await deps.findings.getSnapshot(scope);
  const win = { windowDays: deps.settings.windowDays, now };
  const ids = [...new Set(events.flatMap((e) => e.instanceIds))];
  const read = await deps.reader.read(scope, ids, previous?.launchTemplates ?? [], win);
  const findings = classify(scope, read, previous, deps.settings, now);
  const outcome = changesOf(scope, previous, findings, read.gone);
  await deps.findings.applyDrift(
    scope,
    {
      scanId: `drift-${events[0]?.id ?? 'event'}`,
      upsert: findings,
      remove: read.gone,
      changes: {
        became: outcome.became,
        cleared: outcome.cleared,
        regressed: outcome.became,
        launched: launchedOf(scope, events, outcome.became),
      },
    },
    now,
  );
  if (outcome.became.length > 0) await deps.alerts.soon();
  for (const e of events) await deps.handled.mark(e.id);
  deps.log.info(
    { ...scope, events: events.length, instances: ids.length, became: outcome.became.length },
    'drift events handled',
  );
  return outcome;
}

/** Of the keys that became laggards, those a RunInstances event launched (the others were changed back). */
function launchedOf(scope: Scope, events: DriftEvent[], became: string[]): string[] {
  const launched = new Set(
    events
      .filter((e) => e.name === 'RunInstances')
      .flatMap((e) => e.instanceIds.map((instanceId) => instanceKey({ ...scope, instanceId }))),
  );
  return became.filter((k) => launched.has(k));
}

/** Findings of the live instances read, as a scan of the scope would make them. */
function classify(
  scope: Scope,
  read: DriftRead,
  previous: ScopeSnapshot | null,
  settings: ScanSettings,
  now: Date,
): Finding[] {
  const findings = classifyScope(
    {
      ...scope,
      instances: read.instances,
      launchTemplates: previous?.launchTemplates ?? [],
      autoScalingGroups: read.autoScalingGroups,
      accountDefault: previous?.accountDefault ?? null,
    },
    read.usage,
    { ...settings, now, usageError: read.usageError },
  );
  if (read.groupsRead) return findings;
  // the groups were unreadable: keep what the last scan knew, or assume the worst
  const before = new Map(previous?.findings.map((f) => [f.instanceId, f]));
  return findings.map((f) =>
    f.asg === null
      ? f
      : { ...f, templateRisk: before.get(f.instanceId)?.templateRisk ?? 'asg-unfixed-template' },
  );
}

function changesOf(
  scope: Scope,
  previous: ScopeSnapshot | null,
  findings: Finding[],
  gone: string[],
): DriftOutcome {
  const before = new Map(previous?.findings.map((f) => [f.instanceId, f]));
  const key = (instanceId: string) => instanceKey({ ...scope, instanceId });
  const wasLaggard = (id: string) => {
    const f = before.get(id);
    return f !== undefined && isLaggard(f);
  };
  return {
    became: findings.filter((f) => isLaggard(f) && !wasLaggard(f.instanceId)).map((f) => key(f.instanceId)),
    cleared: [
      ...findings.filter((f) => !isLaggard(f) && wasLaggard(f.instanceId)).map((f) => f.instanceId),
      ...gone.filter(wasLaggard),
    ].map(key),
  };
}
