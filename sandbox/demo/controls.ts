import { wakeSnoozes } from '../../src/adapters/slack/tasks/sweeper.js';
import { expireDue } from '../../src/app/change/decide.js';
import type { SlackRuntime } from '../../src/compose/slack.js';
import type { App } from '../../src/main.js';
import type { Fleet } from '../aws/fleet.js';
import { series } from '../aws/metrics.js';
import type { SandboxControls } from '../slack/sandbox.js';
import type { SandboxClock } from './clock.js';

export interface ControlParts {
  app: App;
  slack: SlackRuntime;
  /** null when the bot scans real AWS: the panel then has no emulated instance to show */
  fleet: Fleet | null;
  clock: SandboxClock;
}

const HOUR = 3_600_000;
const hours = (ms: number) => (ms >= HOUR ? `${Math.round(ms / HOUR)} h` : `${Math.round(ms / 60_000)} min`);

/** The soonest snooze end not yet told (the sweeper's wake-up set), or null. */
async function nextWakeUp({ slack }: ControlParts): Promise<Date | null> {
  return slack.ctx.snoozes.nextWakeUp();
}

async function nextExpiry({ slack }: ControlParts): Promise<Date | null> {
  const [soonest] = await slack.ctx.change.requests.dueForExpiry(new Date(8.64e15), 1);
  return soonest ? new Date(soonest.expiresAt) : null;
}

/** Each target does what the bot's own schedule would do when that time comes. */
function advance(parts: ControlParts) {
  const { app, slack, clock } = parts;
  return async (id: string): Promise<string> => {
    switch (id) {
      case 'scan': {
        const { scanId } = await app.requestScan({ kind: 'schedule', by: null });
        await app.waitForScan(scanId);
        return 'The scheduled scan ran; regressions, if any, are posted to their owners.';
      }
      case 'digest':
        await slack.tasks.add({
          kind: 'digest',
          trigger: { kind: 'schedule', by: null },
          onlyRegressions: false,
        });
        return 'The scheduled digest is on its way to every owner.';
      case 'snooze': {
        const at = await nextWakeUp(parts);
        if (!at) return 'No snooze is waiting to end.';
        const moved = clock.advanceTo(new Date(at.getTime() + 1000));
        return `Moved ${hours(moved)} ahead: ${await wakeSnoozes(slack.ctx)} snooze(s) ended.`;
      }
      case 'expiry': {
        const at = await nextExpiry(parts);
        if (!at) return 'No request is waiting for a decision.';
        const moved = clock.advanceTo(new Date(at.getTime() + 1000));
        return `Moved ${hours(moved)} ahead: ${await expireDue(slack.ctx.change)} request(s) expired.`;
      }
      default:
        return `No such clock target: ${id}`;
    }
  };
}

/** The emulator's record of an instance, as the panel shows it. */
function describe({ fleet }: ControlParts) {
  return (id: string): string | undefined => {
    if (!fleet) return undefined;
    const i = fleet.instance(id);
    if (!i) return undefined;
    const nowSec = Math.floor(fleet.now() / 1000);
    const calls = (metric: 'MetadataNoToken' | 'MetadataNoTokenRejected') =>
      series(i, metric, {
        startSec: nowSec - 86_400,
        endSec: nowSec,
        periodSec: 86_400,
        nowSec,
      }).values.reduce((a, b) => a + b, 0);
    const m = i.metadata;
    return [
      `${i.instanceId}  ${i.tags.Name ?? ''}  (${i.accountId} ${i.region}, ${i.state})`,
      `HttpTokens:              ${m.httpTokens}${m.httpTokens === 'required' ? '  (IMDSv2 only: requires tokens)' : '  (IMDSv1 still accepted)'}`,
      `HttpEndpoint:            ${m.httpEndpoint}`,
      `HttpPutResponseHopLimit: ${m.httpPutResponseHopLimit}`,
      `MetadataNoToken, last 24 h:         ${calls('MetadataNoToken')}`,
      `MetadataNoTokenRejected, last 24 h: ${calls('MetadataNoTokenRejected')}`,
      `Changes to required:     ${i.tokensRequiredChanges}`,
    ].join('\n');
  };
}

export function sandboxControls(parts: ControlParts): SandboxControls {
  return {
    clock: {
      now: parts.clock.now,
      offsetMs: () => parts.clock.offsetMs(),
      targets: [
        { id: 'scan', label: 'Next scheduled scan' },
        { id: 'digest', label: 'Next digest' },
        { id: 'snooze', label: 'Next snooze wake-up' },
        { id: 'expiry', label: 'Next request expiry' },
      ],
      advance: advance(parts),
    },
    emulator: {
      instances: () => {
        const fleet = parts.fleet;
        if (!fleet) return [];
        return fleet
          .accounts()
          .flatMap((a) => a.enabledRegions.flatMap((r) => fleet.scope(a.id, r)?.instances ?? []))
          .map((i) => ({ id: i.instanceId, label: `${i.instanceId} ${i.tags.Name ?? ''}` }));
      },
      describe: describe(parts),
    },
    auditCsv: async () => {
      let csv = '';
      for await (const chunk of parts.slack.ctx.audit.export({ format: 'csv' })) csv += chunk;
      return csv;
    },
  };
}
