import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readJson, readJsonOrNull } from '../../src/adapters/redis/json.js';
import { CodedError } from '../../src/domain/errors.js';

const Snooze = z.object({ instanceId: z.string(), until: z.string() });

describe('JSON read back from Redis', () => {
  it('returns the value when it has the stored shape', () => {
    expect(readJson(Snooze, '{"instanceId":"i-1","until":"2026-12-03"}', 'snooze i-1')).toEqual({
      instanceId: 'i-1',
      until: '2026-12-03',
    });
  });

  it.each([
    ['corrupt text', '{"instanceId":"i-1",'],
    ['another shape', '{"instanceId":1}'],
    ['a bare value', '"i-1"'],
  ])('turns %s into a permanent stored-data-invalid error naming what was read', (_, raw) => {
    const read = () => readJson(Snooze, raw, 'snooze i-1');

    expect(read).toThrow(CodedError);
    expect(read).toThrow(/^snooze i-1 in Redis is not readable: /);
    try {
      read();
    } catch (err) {
      expect(err).toMatchObject({ code: 'stored-data-invalid', transient: false });
    }
  });

  it.each([
    ['nothing stored', null],
    ['corrupt text', '{'],
    ['another shape', '[]'],
  ])('reads a cache entry with %s as a miss', (_, raw) => {
    expect(readJsonOrNull(Snooze, raw)).toBeNull();
  });
});
