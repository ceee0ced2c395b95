import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../sandbox/slack/index.js';
import { silentLogger } from '../../src/adapters/log.js';
import { createCardStore } from '../../src/adapters/redis/cards.js';
import { createSlackDeliveryStore } from '../../src/adapters/redis/slack-delivery.js';
import { createSlackStateStore } from '../../src/adapters/redis/slack-state.js';
import { deliver, type SlackOutDeps } from '../../src/adapters/slack/out.js';
import { createSlackClient } from '../../src/adapters/slack/web.js';
import { randomPrefix } from '../support/redis-prefix.js';

describe('delivering card updates', () => {
  let slack: FakeSlack;
  let redis: Redis;
  let deps: SlackOutDeps;
  beforeAll(async () => {
    slack = await startFakeSlack({ rateLimits: false, channels: [{ id: 'C0CARDS01', name: 'cards' }] });
    redis = new Redis(inject('redisUrl'));
    const prefix = randomPrefix();
    deps = {
      client: createSlackClient(slack.botToken, slack.url),
      cards: createCardStore({ redis, prefix }),
      deliveries: createSlackDeliveryStore({ redis, prefix }),
      slackState: createSlackStateStore({ redis, prefix }),
      responseOrigins: [],
      log: silentLogger(),
    };
  });
  afterAll(async () => {
    redis?.disconnect();
    await slack?.close();
  });

  it('never lets an older version overwrite a newer one, whatever order they arrive in', async () => {
    const card = await deliver(deps, { kind: 'post', channel: 'C0CARDS01', text: 'v0' });
    if (!card) throw new Error('not posted');
    await deliver(deps, { kind: 'update', ...card, text: 'v2', version: 2 });
    await deliver(deps, { kind: 'update', ...card, text: 'v1', version: 1 }); // late, older: skipped
    expect(slack.message(card.channel, card.ts)?.text).toBe('v2');
    await Promise.all(
      [3, 5, 4].map((v) =>
        deliver(deps, { kind: 'update', ...card, text: `v${v}`, version: v }).catch(() => 'busy'),
      ),
    );
    const shown = Number(slack.message(card.channel, card.ts)?.text.slice(1));
    expect(shown).toBeGreaterThanOrEqual(3); // busy ones are retried by the queue; none went back in time
    expect(slack.calls('chat.update').filter((c) => c.args.text === 'v1')).toEqual([]);
  });
});
