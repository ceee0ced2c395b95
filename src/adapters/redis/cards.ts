import { z } from 'zod';
import type { RedisClient } from './connection.js';
import { readJson } from './json.js';
import { redisKeys } from './keys.js';

/** Where a Slack card lives, so a later state change can chat.update it in place. */
export const Card = z.object({
  cardKey: z.string().min(1),
  channel: z.string().min(1),
  ts: z.string().min(1),
  /** what the card shows, e.g. `digest`, `instance`, `request` */
  kind: z.string().min(1),
  /** the owner a digest card was built for */
  ownerKey: z.string().optional(),
  requestId: z.string().optional(),
  /** the instances the card shows (`<accountId>:<region>:<instanceId>`) */
  instanceKeys: z.array(z.string()).default([]),
  savedAt: z.iso.datetime(),
});
export type Card = z.infer<typeof Card>;

export type CardInput = Omit<z.input<typeof Card>, 'cardKey' | 'savedAt'>;

const DAY_S = 86_400;

/** Drops ARGV[1] from the index KEYS[1] when its card KEYS[2] has expired or was removed. */
const DROP_GONE = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
return redis.call('SREM', KEYS[1], ARGV[1])`;

/**
 * Redis layout (under `<prefix>:`): card:<cardKey> the Card as JSON; cards-of:instance:<instanceKey>
 * and cards-of:request:<requestId> sets of card keys. Everything expires `ttlDays` after the last save.
 * A reverse index may still hold a card saved again without that instance (reads filter it out) or
 * one that expired (reads drop it from the set).
 */
export function createCardStore({
  redis,
  prefix,
  ttlDays = 90,
}: {
  redis: RedisClient;
  prefix: string;
  ttlDays?: number;
}) {
  const rk = redisKeys(prefix);
  const ttl = Math.round(ttlDays * DAY_S);

  async function getMany(cardKeys: string[]): Promise<(Card | null)[]> {
    if (cardKeys.length === 0) return [];
    const raws = await redis.mget(...cardKeys.map((c) => rk.card(c)));
    return raws.map((raw) => (raw === null ? null : readJson(Card, raw, 'card')));
  }

  async function fromIndex(index: string, shows: (c: Card) => boolean): Promise<Card[]> {
    const cardKeys = (await redis.smembers(index)).sort();
    const cards = await getMany(cardKeys);
    const gone = cardKeys.filter((_, i) => !cards[i]);
    for (const c of gone) await redis.eval(DROP_GONE, 2, index, rk.card(c), c);
    return cards.filter((c): c is Card => c !== null && shows(c));
  }

  return {
    /** Stores (or replaces) a card and indexes it by its instances and request. */
    async save(cardKey: string, input: CardInput, now: Date = new Date()): Promise<Card> {
      const card = Card.parse({ ...input, cardKey, savedAt: now.toISOString() });
      const tx = redis.multi().set(rk.card(cardKey), JSON.stringify(card), 'EX', ttl);
      const indexes = card.instanceKeys.map((i) => rk.cardsOf('instance', i));
      if (card.requestId !== undefined) indexes.push(rk.cardsOf('request', card.requestId));
      for (const index of indexes) tx.sadd(index, cardKey).expire(index, ttl);
      await tx.exec();
      return card;
    },

    async get(cardKey: string): Promise<Card | null> {
      return (await getMany([cardKey]))[0] ?? null;
    },

    /** Every card that shows the instance. */
    async cardsFor(instanceKey: string): Promise<Card[]> {
      return fromIndex(rk.cardsOf('instance', instanceKey), (c) => c.instanceKeys.includes(instanceKey));
    },

    /** Every card that shows the change request. */
    async cardsForRequest(requestId: string): Promise<Card[]> {
      return fromIndex(rk.cardsOf('request', requestId), (c) => c.requestId === requestId);
    },

    async remove(cardKey: string): Promise<boolean> {
      return (await redis.del(rk.card(cardKey))) === 1;
    },
  };
}
export type CardStore = ReturnType<typeof createCardStore>;
