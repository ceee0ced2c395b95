import { join, type Mrkdwn, md } from './text.js';

/**
 * Before / after states of a change as a short line people read ("HttpTokens optional → required,
 * hop limit 1 → 2"), never raw JSON. Keys and values come from AWS: they go through `md` like any data.
 */

type State = Readonly<Record<string, unknown>> | null | undefined;

const LABELS: Record<string, string> = {
  httpTokens: 'HttpTokens',
  hopLimit: 'hop limit',
  httpPutResponseHopLimit: 'hop limit',
  httpEndpoint: 'endpoint',
  httpProtocolIpv6: 'IPv6 endpoint',
  instanceMetadataTags: 'tags in metadata',
  defaultVersion: 'default version',
};
const ORDER = Object.keys(LABELS);
/** what only describes the AWS call, not the state */
const SKIP = new Set(['state', 'managedBy', 'managedExceptionMessage']);

const shown = (v: unknown): string | number =>
  typeof v === 'number'
    ? v
    : typeof v === 'string'
      ? v
      : v === null || v === undefined
        ? 'none'
        : JSON.stringify(v);

const keysOf = (...states: State[]): string[] => {
  const keys = new Set(states.flatMap((s) => Object.keys(s ?? {})).filter((k) => !SKIP.has(k)));
  const rank = (k: string) => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length);
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
};

const label = (k: string): string => LABELS[k] ?? k;

/** "HttpTokens optional, hop limit 1, endpoint enabled". */
export const stateLine = (s: State): Mrkdwn =>
  s
    ? join(
        keysOf(s).map((k) => md`${label(k)} ${shown(s[k])}`),
        ', ',
      )
    : md`unknown`;

/** "HttpTokens optional → required, hop limit 1 → 2": only what changed; "no change (…)" otherwise. */
export function changeLine(before: State, after: State): Mrkdwn {
  if (!before || !after) return after ? md`now ${stateLine(after)}` : stateLine(before);
  const changed = keysOf(before, after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  if (changed.length === 0) return md`no change (${stateLine(after)})`;
  return join(
    changed.map((k) => md`${label(k)} ${shown(before[k])} → ${shown(after[k])}`),
    ', ',
  );
}
