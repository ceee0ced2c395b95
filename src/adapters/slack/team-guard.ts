import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { recordRefusal, unknownTarget } from '../../app/change/audit.js';
import type { Logger } from '../log.js';
import type { AuditStore } from '../redis/audit.js';
import type { SlackIdentity } from './identity.js';

interface Body {
  type?: string;
  command?: string;
  team_id?: string;
  enterprise_id?: string;
  user_id?: string;
  user_name?: string;
  team?: { id?: string } | null;
  enterprise?: { id?: string } | null;
  user?: { id?: string; name?: string; team_id?: string };
  view?: { team_id?: string };
  event?: { user?: string; type?: string };
  authorizations?: { team_id?: string | null; enterprise_id?: string | null }[];
}

/** Every workspace and org a request names (its own, its user's, its view's, its authorization's). */
export function namedBy(body: Body): { teams: string[]; enterprises: string[] } {
  const auth = body.authorizations?.[0];
  const teams = [body.team_id, body.team?.id, body.user?.team_id, body.view?.team_id, auth?.team_id];
  const enterprises = [body.enterprise_id, body.enterprise?.id, auth?.enterprise_id];
  const present = (xs: (string | null | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];
  return { teams: present(teams), enterprises: present(enterprises) };
}

/**
 * Whether the installation serves a request: every team it names is ours, or (an org-wide install)
 * every org it names is ours. A request that names no team is not served.
 */
export function serves(identity: Pick<SlackIdentity, 'teamId' | 'enterpriseId'>, body: Body): boolean {
  const { teams, enterprises } = namedBy(body);
  if (identity.enterpriseId && enterprises.length > 0)
    return enterprises.every((e) => e === identity.enterpriseId);
  return teams.length > 0 && teams.every((t) => t === identity.teamId);
}

/**
 * A global Bolt middleware: a request signed with the app's secret that names a workspace (or org)
 * this installation does not serve is acknowledged, refused, logged and audited, and goes no further.
 */
export function servedOnly(
  identity: SlackIdentity,
  deps: { audit: AuditStore; now: () => Date; log: Logger },
): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as Body;
    if (serves(identity, body)) return args.next();
    const { teams, enterprises } = namedBy(body);
    const userId = body.user_id ?? body.user?.id ?? body.event?.user ?? 'unknown';
    const reason = `the request names workspace ${teams.join(', ') || '(none)'}${enterprises.length ? ` / org ${enterprises.join(', ')}` : ''}; this installation serves ${identity.teamId ?? identity.enterpriseId}`;
    deps.log.warn(
      { teams, enterprises, userId, type: body.type ?? body.command },
      'slack request from another workspace refused',
    );
    await recordRefusal(deps, {
      actor: { userId, name: body.user_name ?? body.user?.name ?? userId },
      action: body.command ?? body.type ?? body.event?.type ?? 'request',
      target: unknownTarget(`team:${teams[0] ?? 'none'}`),
      code: 'foreign-workspace',
      reason,
    });
    if ('ack' in args && typeof args.ack === 'function')
      await (args.ack as (r?: unknown) => Promise<void>)(
        body.command
          ? { response_type: 'ephemeral', text: 'This imds-bot installation does not serve your workspace.' }
          : undefined,
      );
  };
}
