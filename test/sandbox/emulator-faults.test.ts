import { describe, expect, it } from 'vitest';
import { type FaultRule, parseOperationFaults, takeFault } from '../../sandbox/aws/faults.js';

describe('emulator operation faults', () => {
  it('parses the --fault list', () => {
    expect(
      parseOperationFaults(
        'ec2:GetInstanceMetadataDefaults=html-500, monitoring:GetMetricData=access-denied',
      ),
    ).toEqual(
      new Map([
        ['ec2:GetInstanceMetadataDefaults', 'html-500'],
        ['monitoring:GetMetricData', 'access-denied'],
      ]),
    );
    expect(parseOperationFaults('')).toEqual(new Map());
  });

  it.each(['ec2:DescribeInstances=teapot', 'DescribeInstances=html-500', 'ec2:DescribeInstances'])(
    'refuses %j, saying what it wants',
    (spec) => {
      expect(() => parseOperationFaults(spec)).toThrow(/want service:Action=html-500\|/);
    },
  );

  it('a fault for the next n calls ends after them; one without a count stays', () => {
    const rules = new Map<string, FaultRule>([
      ['ec2:DescribeInstances', { fault: 'unavailable', remaining: 2 }],
      ['ec2:DescribeLaunchTemplates', { fault: 'invalid-action', remaining: null }],
    ]);
    const take = (op: string) => takeFault(rules, op);

    expect([
      take('ec2:DescribeInstances'),
      take('ec2:DescribeInstances'),
      take('ec2:DescribeInstances'),
    ]).toEqual(['unavailable', 'unavailable', null]);
    expect([take('ec2:DescribeLaunchTemplates'), take('ec2:DescribeLaunchTemplates')]).toEqual([
      'invalid-action',
      'invalid-action',
    ]);
    expect(take('ec2:GetInstanceMetadataDefaults')).toBeNull();
  });
});
