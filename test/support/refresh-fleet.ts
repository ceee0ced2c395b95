import type { Fleet } from '../../sandbox/aws/fleet.js';
import { changeControlWorkflow } from './slack-fixtures.js';
import { type SlackHarness, until } from './slack-harness.js';

type At = { accountId: string; region: string };

/**
 * The launch template the refresh tests roll groups from: version 1 allows IMDSv1; with `fixed`,
 * version 2 requires tokens and is the default (the fix already applied).
 */
export function addWebTemplate(fleet: Fleet, at: At, o: { fixed?: boolean; name?: string } = {}) {
  const optional = { metadataOptions: { httpTokens: 'optional' as const } };
  const required = { metadataOptions: { httpTokens: 'required' as const } };
  return fleet.addLaunchTemplate({
    ...at,
    name: o.name ?? 'web',
    ...(o.fixed ? { versions: [optional, required], defaultVersion: 2 } : { versions: [optional] }),
  });
}

/**
 * An Auto Scaling group launching `templateId` at `version` ('1', '$Default', ...), running `count`
 * instances launched from its version 1; `tags(i)` gives each instance's tags. The instance ids.
 */
export function addTemplatedGroup(
  fleet: Fleet,
  at: At,
  templateId: string,
  name: string,
  o: { version?: string; count?: number; tags?: (i: number) => Record<string, string> } = {},
): string[] {
  fleet.addAutoScalingGroup({ ...at, name, launchTemplate: { id: templateId, version: o.version ?? '1' } });
  return Array.from(
    { length: o.count ?? 4 },
    (_, i) =>
      fleet.addInstance({
        ...at,
        asg: name,
        launchTemplate: { id: templateId, version: 1 },
        ...(o.tags ? { tags: o.tags(i) } : {}),
      }).instanceId,
  );
}

/** The change-control workflow with an instance-refresh section: half the group at a time, fast polls. */
export const refreshWorkflow = (refresh: Record<string, unknown> = {}) => ({
  ...changeControlWorkflow(),
  refresh: {
    minHealthyPercentage: 50,
    checkpointPercentages: [50, 100],
    checkpointDelaySeconds: 1,
    pollSeconds: 1,
    watchHours: 1,
    ...refresh,
  },
});

/** The first change-request id in a reply, '' where there is none. */
export const requestIdIn = (text: string) => /cr-[0-9a-f]{12}/.exec(text)?.[0] ?? '';

/** Waits until the request is in state `want`. */
export const requestState = (h: SlackHarness, id: string, want: string, ms?: number) =>
  until(
    async () => ((await h.runtime.ctx.change.requests.get(id))?.state === want ? true : undefined),
    `${id} ${want}`,
    ms,
  );
