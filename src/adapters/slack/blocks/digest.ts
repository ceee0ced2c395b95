import type { ContextBlock, HeaderBlock, SectionBlock } from '@slack/types';
import { type DigestGroups, laggardCount, type OwnerDigest } from '../../../domain/findings/digest.js';
import type { Finding } from '../../../domain/findings/model.js';
import { IMDSV2_MINIMUMS } from '../../../domain/fixes/versions.js';
import type { DigestAction } from '../actions.js';
import {
  bold,
  code,
  context,
  count,
  date,
  header,
  join,
  lines,
  type Mrkdwn,
  md,
  notification,
  section,
} from '../text.js';
import { type Block, LIMITS } from './common.js';
import { type InstanceContext, instanceActions, instanceSection } from './instance.js';

/**
 * One owner's digest as a Slack message that always fits Block Kit: a summary, then the most urgent
 * instances that fit (taken from each group in turn), then a pointer to the rest.
 */

export interface DigestMessageContext {
  /** who the digest is for, as plain text for the header: a person's name, a team, or a label */
  ownerLabel: string;
  /** the same owner as a live mention (`user(id)`, `channel(id)`), shown in the summary */
  ownerMention?: Mrkdwn;
  /** blocks to end the message with (e.g. why instances are in the security digest), within its budget */
  footer?: Block[];
  /** e.g. 'https://{region}.console.amazonaws-us-gov.com'; default the commercial console */
  consoleBaseUrl?: string;
  now: Date;
  /** instanceId -> ISO time the snooze ends; only the owner's snoozed ids are read */
  snoozedUntil?: ReadonlyMap<string, string>;
  /**
   * The opaque id a button carries (e.g. a key into a short-lived store); never instance data. Called
   * at most once per finding and action: for every shown finding, and maybe a few that did not fit.
   */
  buttonValue: (finding: Finding, action: DigestAction) => string;
  /** what the scans could not read where these instances are */
  coverageNote?: Mrkdwn;
  /** in-use rows get a "Find the caller" button (workflow fixes.findCaller.enabled) */
  findCaller?: boolean;
}

export interface DigestMessage {
  /** notification fallback */
  text: string;
  blocks: Block[];
  /** the laggards left out, most urgent first */
  overflow: Finding[];
}

type GroupKey = keyof DigestGroups;
const GROUP_KEYS: readonly GroupKey[] = ['ready', 'inUse', 'unknown'];

const SHOWN = [
  'AWS CLI',
  'AWS SDK for Python (Boto3)',
  'AWS SDK for Java',
  'AWS SDK for JavaScript in Node.js',
];
/** The most common callers' minimums (the bot's own text: versions.ts holds no data from AWS). */
const IN_USE_MINIMUMS = IMDSV2_MINIMUMS.filter((m) => SHOWN.includes(m.software))
  .map((m) => `${m.software.replace(/^AWS SDK for /, '')} ≥ ${m.minimum ?? '?'}`)
  .join(', ');

const GROUP_HEAD: Record<GroupKey, { title: string; hint: string }> = {
  ready: {
    title: ':white_check_mark: Ready to enforce',
    hint: 'No IMDSv1 calls in the usage window: requiring IMDSv2 should break nothing.',
  },
  inUse: {
    title: ':hourglass_flowing_sand: Still using IMDSv1',
    hint: `Something on these calls IMDS without a token: update it first (${IN_USE_MINIMUMS}; every SDK and agent in \`/imds status <instance-id>\`), and change the IaC as each row says.`,
  },
  unknown: {
    title: ':grey_question: No usage data',
    hint: 'CloudWatch has no MetadataNoToken datapoints for these, so their IMDSv1 use is unknown.',
  },
};

const groupHead = (key: GroupKey, n: number): SectionBlock =>
  section(md`${bold(md`${GROUP_HEAD[key].title} (${n})`)}\n${GROUP_HEAD[key].hint}`);

const closing = (n: number): ContextBlock =>
  context(md`…and ${n} more: see App Home or ${code('/imds report')}`);

function countsLine(d: OwnerDigest): Mrkdwn {
  return join(
    [
      md`${bold(d.groups.ready.length)} ready to enforce`,
      md`${bold(d.groups.inUse.length)} still using IMDSv1`,
      md`${bold(d.groups.unknown.length)} with no usage data`,
      d.snoozedCount > 0 && md`${d.snoozedCount} snoozed`,
    ],
    ' · ',
  );
}

/** `:rotating_light: *<what>* <how>: <the first five ids> and N more`, or nothing when there are none. */
function regressionLine(ids: readonly string[], what: string, how: string): Mrkdwn | null {
  if (ids.length === 0) return null;
  const more = ids.length > 5 ? md` and ${ids.length - 5} more` : md``;
  return md`:rotating_light: ${bold(what)} ${how}: ${join(
    ids.slice(0, 5).map((id) => code(id)),
    ', ',
  )}${more}`;
}

function summary(d: OwnerDigest, owner: Mrkdwn | undefined): SectionBlock {
  const n = laggardCount(d);
  const forWhom = owner === undefined ? null : md`For ${owner}:`;
  if (n === 0) {
    const rest = d.snoozedCount > 0 ? md` (apart from ${count(d.snoozedCount, 'snoozed instance')})` : md``;
    return section(lines(forWhom, md`:tada: None of your instances accept IMDSv1 any more${rest}.`));
  }
  const launched = new Set(d.launchedIds);
  const changed = d.regressedIds.filter((id) => !launched.has(id));
  const regressions = [
    regressionLine(
      d.launchedIds,
      count(d.launchedIds.length, 'new launch', 'new launches'),
      'with IMDSv1 allowed',
    ),
    regressionLine(
      changed,
      count(changed.length, 'instance'),
      'changed back to optional since the last scan',
    ),
  ];
  return section(
    lines(
      forWhom,
      md`${bold(count(n, 'instance'))} of yours still accept IMDSv1.`,
      countsLine(d),
      ...regressions,
    ),
  );
}

/** The earliest end of the owner's snoozes, as a Slack date that renders in the reader's time zone. */
function snoozeContext(d: OwnerDigest, until: ReadonlyMap<string, string> | undefined): ContextBlock | null {
  if (d.snoozedCount === 0) return null;
  const ends = d.snoozedIds
    .map((id) => until?.get(id))
    .filter((t): t is string => t !== undefined && !Number.isNaN(Date.parse(t)));
  const first = ends.sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  const when = first === undefined ? md`` : md`; the first wakes up ${date(new Date(first), '{date_short}')}`;
  return context(md`:zzz: ${count(d.snoozedCount, 'instance')} snoozed${when}`);
}

function head(d: OwnerDigest, ctx: DigestMessageContext): Block[] {
  const top: HeaderBlock = header(`IMDSv1 digest: ${ctx.ownerLabel}`);
  const snoozed = snoozeContext(d, ctx.snoozedUntil);
  const sum = summary(d, ctx.ownerMention);
  const note = ctx.coverageNote ? [context(ctx.coverageNote)] : [];
  return [top, sum, ...(snoozed === null ? [] : [snoozed]), ...note];
}

function fallbackText(d: OwnerDigest, ctx: DigestMessageContext): string {
  const who = ctx.ownerLabel;
  const n = laggardCount(d);
  if (n === 0) return notification(md`IMDSv1 digest for ${who}: nothing to do.`);
  const { ready, inUse, unknown } = d.groups;
  const detail = md`${ready.length} ready to enforce, ${inUse.length} still using IMDSv1, ${unknown.length} with no usage data`;
  return notification(md`IMDSv1 digest for ${who}: ${count(n, 'instance')} still accept IMDSv1 (${detail}).`);
}

interface Candidate {
  finding: Finding;
  group: GroupKey;
}

/** The groups taken in turn (most urgent of each first), so a long group does not hide the others. */
function interleave(groups: DigestGroups): Candidate[] {
  const out: Candidate[] = [];
  const longest = Math.max(...GROUP_KEYS.map((k) => groups[k].length));
  for (let i = 0; i < longest; i++) {
    for (const group of GROUP_KEYS) {
      const finding = groups[group][i];
      if (finding !== undefined) out.push({ finding, group });
    }
  }
  return out;
}

const cost = (blocks: readonly Block[]): number =>
  blocks.reduce((sum, b) => sum + JSON.stringify(b).length + 1, 0);

interface Budget {
  chars: number;
  blocks: number;
}

/** The longest prefix of `candidates` whose blocks (and group heads) fit in `budget`. */
function fill(candidates: readonly Candidate[], d: OwnerDigest, ctx: DigestMessageContext, budget: Budget) {
  const picked: { candidate: Candidate; blocks: Block[] }[] = [];
  const opened = new Set<GroupKey>();
  let { chars, blocks } = budget;
  for (const candidate of candidates) {
    const own = instanceBlocks(candidate.finding, picked.length, d, ctx);
    const extra = opened.has(candidate.group)
      ? []
      : [groupHead(candidate.group, d.groups[candidate.group].length)];
    const need = cost([...extra, ...own]);
    if (need > chars || own.length + extra.length > blocks) break;
    chars -= need;
    blocks -= own.length + extra.length;
    opened.add(candidate.group);
    picked.push({ candidate, blocks: own });
  }
  return picked;
}

function instanceBlocks(f: Finding, n: number, d: OwnerDigest, ctx: DigestMessageContext): Block[] {
  const ictx: InstanceContext = {
    now: ctx.now,
    regressed: d.regressedIds.includes(f.instanceId),
    buttonValue: ctx.buttonValue,
  };
  if (ctx.consoleBaseUrl !== undefined) ictx.consoleBaseUrl = ctx.consoleBaseUrl;
  if (ctx.findCaller !== undefined) ictx.findCaller = ctx.findCaller;
  return [instanceSection(f, ictx), instanceActions(f, n, ictx)];
}

/** Fitting measures blocks before choosing them: ask the caller for each value at most once. */
function once(buttonValue: DigestMessageContext['buttonValue']): DigestMessageContext['buttonValue'] {
  const seen = new Map<string, string>();
  return (f, action) => {
    const key = `${f.instanceId}\u0000${action}`;
    const value = seen.get(key) ?? buttonValue(f, action);
    seen.set(key, value);
    return value;
  };
}

/** Build the digest card for one owner. Every result passes checkBlockKitLimits. */
export function buildDigestMessage(d: OwnerDigest, context: DigestMessageContext): DigestMessage {
  const ctx = { ...context, buttonValue: once(context.buttonValue) };
  const top = head(d, ctx);
  const candidates = interleave(d.groups);
  const footer = ctx.footer ?? [];
  const budget = {
    chars: LIMITS.serializedBlocks - 1 - cost(top) - cost(footer),
    blocks: LIMITS.blocksPerMessage - top.length - footer.length,
  };
  let picked = fill(candidates, d, ctx, budget);
  if (picked.length < candidates.length) {
    const reserve = closing(candidates.length);
    picked = fill(candidates, d, ctx, { chars: budget.chars - cost([reserve]), blocks: budget.blocks - 1 });
  }
  const shown = new Set(picked.map((p) => p.candidate.finding.instanceId));
  const overflow = GROUP_KEYS.flatMap((k) => d.groups[k]).filter((f) => !shown.has(f.instanceId));
  const body = GROUP_KEYS.flatMap((k) => {
    const mine = picked.filter((p) => p.candidate.group === k);
    return mine.length === 0 ? [] : [groupHead(k, d.groups[k].length), ...mine.flatMap((p) => p.blocks)];
  });
  const tail = overflow.length > 0 ? [closing(overflow.length)] : [];
  return { text: fallbackText(d, ctx), blocks: [...top, ...body, ...tail, ...footer], overflow };
}
