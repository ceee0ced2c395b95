import { describe, expect, it } from 'vitest';
import { amisWithoutV2, newLaunchTokens } from '../../src/domain/guardrails/amis.js';

describe('amisWithoutV2', () => {
  it('lists the AMIs without v2.0 with their instances, unknown AMIs marked, v2.0 AMIs left out', () => {
    const rows = amisWithoutV2(
      [
        { imageId: 'ami-old', name: 'legacy-2019', imdsSupport: null },
        { imageId: 'ami-new', name: 'al2023', imdsSupport: 'v2.0' },
      ],
      [
        { instanceId: 'i-1', imageId: 'ami-old' },
        { instanceId: 'i-2', imageId: 'ami-new' },
        { instanceId: 'i-3', imageId: 'ami-gone' },
        { instanceId: 'i-4', imageId: 'ami-old' },
      ],
    );
    expect(rows).toEqual([
      { imageId: 'ami-old', name: 'legacy-2019', described: true, instances: ['i-1', 'i-4'] },
      { imageId: 'ami-gone', name: null, described: false, instances: ['i-3'] },
    ]);
  });
});

describe('newLaunchTokens', () => {
  it.each([
    [{ launch: 'optional', accountDefault: 'required', ami: 'v2.0' }, 'optional', 'launch'],
    [{ launch: null, accountDefault: 'optional', ami: 'v2.0' }, 'optional', 'account-default'],
    [{ launch: null, accountDefault: 'required', ami: null }, 'required', 'account-default'],
    [{ launch: null, accountDefault: 'no-preference', ami: 'v2.0' }, 'required', 'ami'],
    [{ launch: null, accountDefault: null, ami: null }, 'optional', 'ec2-default'],
    [{ launch: null, accountDefault: 'no-preference', ami: undefined }, 'optional', 'ec2-default'],
  ] as const)('%j -> %s by %s', (opts, httpTokens, decidedBy) => {
    expect(newLaunchTokens(opts)).toEqual({ httpTokens, decidedBy });
  });
});
