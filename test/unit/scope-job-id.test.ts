import { describe, expect, it } from 'vitest';
import { scopeJobId, scopeOfJobId } from '../../src/adapters/queue/scan-queues.js';

const SCAN_ID = 'scan-20250615T060000-a1b2c3';

describe('scopeJobId / scopeOfJobId', () => {
  it.each([
    { accountId: '123456789012', region: 'us-east-1' },
    { accountId: '000000000001', region: 'ap-southeast-3' },
    { accountId: '210987654321', region: 'us-gov-west-1' },
    { accountId: '999999999999', region: 'eu-central-2' },
  ])('round-trips $accountId in $region', (scope) => {
    const jobId = scopeJobId(SCAN_ID, scope);

    expect(jobId).not.toContain(':');
    expect(jobId.startsWith(`${SCAN_ID}-`)).toBe(true);
    expect(scopeOfJobId(jobId)).toEqual(scope);
  });

  it.each([
    'scan-20250615T060000-a1b2c3',
    'not-a-job',
    '',
    'scan-1-12345-eu-west-1',
    'scan-1-123456789012-EU-WEST-1',
  ])('returns null for %j', (jobId) => {
    expect(scopeOfJobId(jobId)).toBeNull();
  });
});
