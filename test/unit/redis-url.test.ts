import { describe, expect, it } from 'vitest';
import { parseRedisUrl, redactRedisUrl, redisUrlProblem } from '../../src/config/redis-url.js';

describe('REDIS_URL forms', () => {
  it.each([
    ['redis://127.0.0.1:6379', { kind: 'single', db: 0, tls: false }],
    [
      'rediss://bot:s%40cret@h:6380/3',
      { kind: 'single', db: 3, tls: true, username: 'bot', password: 's@cret' },
    ],
    [
      'redis+sentinel://:pw@a:26379,b/mymaster/2?sentinelPassword=sp',
      {
        kind: 'sentinel',
        sentinels: [
          { host: 'a', port: 26379 },
          { host: 'b', port: 26379 },
        ],
        masterName: 'mymaster',
        db: 2,
        password: 'pw',
        sentinelPassword: 'sp',
      },
    ],
    [
      'rediss+cluster://u:p@x.serverless.use1.cache.amazonaws.com:6379',
      {
        kind: 'cluster',
        tls: true,
        username: 'u',
        nodes: [{ host: 'x.serverless.use1.cache.amazonaws.com', port: 6379 }],
      },
    ],
  ])('%s', (url, expected) => {
    expect(parseRedisUrl(url)).toMatchObject(expected);
  });

  it.each([
    ['http://x', 'a redis:// or rediss:// URL (or redis+sentinel://, redis+cluster://)'],
    ['redis://a:1,b:2', 'several hosts need redis+cluster:// or redis+sentinel://'],
    ['redis+sentinel://a:26379', 'redis+sentinel:// needs the master name as its path: …/mymaster'],
    ['redis+cluster://a:1/2', 'Redis Cluster has database 0 only'],
  ])('refuses %s', (url, why) => {
    expect(redisUrlProblem(url)).toBe(why);
  });

  it('hides passwords', () => {
    expect(redactRedisUrl('redis+sentinel://u:pw@a/m?sentinelPassword=sp')).toBe(
      'redis+sentinel://u:***@a/m?sentinelPassword=***',
    );
  });
});
