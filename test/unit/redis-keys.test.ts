import { describe, expect, it } from 'vitest';
import { hashTagOf, redisKeys } from '../../src/adapters/redis/keys.js';

const k = redisKeys('imds');

describe('redis keys', () => {
  // the names every store used before keys.ts: a single-node installation keeps its data
  it.each([
    [k.bull, 'imds:bull'],
    [k.snapshot('111122223333:eu-west-1'), 'imds:snap:111122223333:eu-west-1'],
    [k.scopes(), 'imds:scopes'],
    [k.laggardSince(), 'imds:laggard-since'],
    [k.watchRequest(), 'imds:watch-req'],
    [k.scopeProgress('s1', '1:r'), 'imds:scope-progress:s1:1:r'],
    [k.scanLock('all'), 'imds:scan-lock:all'],
    [k.request('CR-1'), 'imds:cr:CR-1'],
    [k.requestsOfTarget('cr-applied', '1', 'r', 'i-1'), 'imds:cr-applied:1:r:i-1'],
    [k.openRequest('1:r:i-1'), 'imds:cr-open:1:r:i-1'],
    [k.bulkSkipped('CR-2'), 'imds:bulk-skipped:CR-2'],
    [k.auditStream(), 'imds:audit'],
    [k.auditHead(), 'imds:audit:head'],
    [k.auditIndex('user', 'U1'), 'imds:audit:idx:user:U1'],
    [k.cardsOf('request', 'CR-1'), 'imds:cards-of:request:CR-1'],
    [k.snoozeWake(), 'imds:snoozes:wake'],
    [k.rateBucket('ec2:x'), 'imds:rate:ec2:x'],
    [k.buttonRef('abc'), 'imds:ref:abc'],
    [k.home('U1'), 'imds:home:U1'],
    [k.digestFingerprints(), 'imds:digest-fingerprints'],
    [k.cardVersionLock('C1', '1.2'), 'imds:card-version:C1:1.2:lock'],
    [k.slackSeen('x'), 'imds:slack-seen:x'],
  ])('%s is named as before', (actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('puts every key of a {tagged} installation in one hash slot', () => {
    const tagged = redisKeys('{imds}');
    const keys = [
      tagged.bull,
      tagged.request('CR-1'),
      tagged.auditHead(),
      tagged.card('x'),
      tagged.home('U'),
    ];
    expect(keys.map(hashTagOf)).toEqual(keys.map(() => 'imds'));
  });

  it.each([
    ['imds:cr:1', null],
    ['{imds}:cr:1', 'imds'],
    ['x{a}{b}', 'a'],
    ['{}{a}', null],
    ['{a', null],
  ])('hash tag of %s is %s', (key, tag) => {
    expect(hashTagOf(key)).toBe(tag);
  });
});
