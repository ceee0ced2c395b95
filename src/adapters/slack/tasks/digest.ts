import { randomBytes } from 'node:crypto';
import { type DigestDeps, planDigests as plan, SECURITY_KEY } from '../../../app/digest/plan-digests.js';
import type { DigestEnv } from '../../../config/workflow-schema.js';
import type { DigestCard } from '../../../domain/findings/digest.js';
import { type Finding, instanceKey } from '../../../domain/findings/model.js';
import type { DigestOutbox, OwnerHome } from '../../../domain/ports/digest.js';
import type { ButtonRef } from '../../redis/slack-state.js';
import { partialLine } from '../blocks/coverage.js';
import { buildDigestMessage } from '../blocks/digest.js';
import type { SlackOut } from '../out.js';
import { capped, channel as channelMention, context, lines, md, user } from '../text.js';
import type { TaskContext } from './context.js';

/** how many of a card's instances get buttons (and are remembered on the card) */
const BUTTONS_MAX = 60;
/** the message metadata event_type of a digest */
export const DIGEST_EVENT = 'imds_digest';

/** Button values are opaque ids; the instance they stand for is kept here for 30 days. */
async function newRefs(ctx: TaskContext, findings: Finding[]): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  const stored = new Map<string, ButtonRef>();
  const at = ctx.now().toISOString();
  for (const f of findings) {
    const id = randomBytes(12).toString('base64url');
    refs.set(f.instanceId, id);
    stored.set(id, { instanceKey: instanceKey(f), at });
  }
  await ctx.slackState.saveRefs(stored);
  return refs;
}

const reasonsBlock = (reasons: DigestCard['reasons']) =>
  context(lines(md`Why these are here:`, ...reasons.map((r) => md`• ${r.count} × ${capped(r.why, 150)}`)));

/** A digest card as the Slack message the outbound queue delivers. */
async function digestPost(ctx: TaskContext, card: DigestCard): Promise<SlackOut> {
  const { digest: d, owner } = card;
  const buttons = card.shown.slice(0, BUTTONS_MAX);
  const refs = await newRefs(ctx, buttons);
  const note = partialLine(card.coverage);
  const msg = buildDigestMessage(d, {
    ownerLabel: owner.label,
    ...(owner.mention
      ? {
          ownerMention:
            owner.mention.kind === 'user' ? user(owner.mention.id) : channelMention(owner.mention.id),
        }
      : {}),
    ...(d.ownerKey === SECURITY_KEY ? { footer: [reasonsBlock(card.reasons)] } : {}),
    now: ctx.now(),
    consoleBaseUrl: `https://{region}.${ctx.workflow.slack.consoleHost}`,
    buttonValue: (f) => refs.get(f.instanceId) ?? 'expired',
    findCaller: ctx.workflow.fixes.findCaller.enabled,
    ...(note ? { coverageNote: note } : {}),
  });
  return {
    kind: 'post',
    channel: card.channel,
    text: msg.text,
    blocks: msg.blocks,
    card: {
      key: `digest:${d.ownerKey}`,
      kind: 'digest',
      ownerKey: d.ownerKey,
      instanceKeys: buttons.map(instanceKey),
    },
    fingerprint: { ownerKey: card.fingerprintKey, value: d.fingerprint },
    // names this digest, so a retry after Slack answered 5xx finds it instead of posting it twice
    metadata: {
      event_type: DIGEST_EVENT,
      event_payload: { id: randomBytes(12).toString('base64url'), owner: d.ownerKey },
    },
    ...(card.fallbackChannel ? { fallbackChannel: card.fallbackChannel } : {}),
  };
}

/** Digest cards to Block Kit on the outbound queue; App Home rows to Redis. */
function slackDigestOutbox(ctx: TaskContext): DigestOutbox {
  return {
    async deliver(cards) {
      const posts: SlackOut[] = [];
      for (const card of cards) posts.push(await digestPost(ctx, card));
      await ctx.out.addBulk(posts);
    },
    async saveHomes(homes: OwnerHome[]) {
      await ctx.slackState.saveHomes(homes, ctx.now());
    },
  };
}

/** The digest use case over this Slack task's stores and directory. */
export function digestDeps(ctx: TaskContext): DigestDeps {
  return {
    findings: ctx.findings,
    owners: ctx.directory,
    snoozes: ctx.snoozes,
    fingerprints: {
      previous: () => ctx.slackState.fingerprints(),
    },
    outbox: slackDigestOutbox(ctx),
    log: ctx.log,
    now: ctx.now,
    settings: {
      cadence: ctx.workflow.slack.digest.cadence,
      securityChannel: ctx.workflow.slack.securityChannel,
      environment: ctx.workflow.environment,
    },
  };
}

export const planDigests = (ctx: TaskContext, onlyRegressions: boolean, env?: DigestEnv) =>
  plan(digestDeps(ctx), onlyRegressions, env);
