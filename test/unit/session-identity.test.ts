import { describe, expect, it } from 'vitest';
import { changeSessionNames, stsPart } from '../../src/adapters/aws/session-identity.js';

/** STS AssumeRole: RoleSessionName and SourceIdentity are 2-64 characters of [\w+=,.@-]. */
const STS_NAME = /^[\w+=,.@-]{2,64}$/;

describe('the STS names of a change session', () => {
  it.each([
    ['José Müller', 'Jose.Muller'],
    ['  jane doe  ', 'jane.doe'],
    ['<@U999|boss> ; rm -rf', 'U999_boss_rm.-rf'],
    ['a+b@c=d,e', 'a_b_c_d_e'],
    ['名前', 'unknown'],
    ['', 'unknown'],
    ['aws:admin', 'aws_admin'],
  ])('sanitizes %j to %j', (raw, safe) => {
    expect(stsPart(raw)).toBe(safe);
  });

  it('names the approver and the request in both', () => {
    const names = changeSessionNames('imds-bot', {
      requestId: 'cr-0a1b2c3d4e5f',
      approver: { userId: 'U024BE7LH', name: 'Jane Doe' },
    });

    expect(names).toEqual({
      sourceIdentity: 'U024BE7LH+Jane.Doe@cr-0a1b2c3d4e5f',
      sessionName: 'imds-bot.cr-0a1b2c3d4e5f.U024BE7LH',
    });
  });

  it.each([
    ['a very long display name', 'x'.repeat(200)],
    ['a hostile name', '@@@ +++ === ,,, \n\t\u0000 <script>'],
    ['a forged user id', 'U1 ; DROP'],
    ['an empty name', ''],
  ])('stays within the STS limits with %s, keeping the user id and the request id', (_what, text) => {
    const names = changeSessionNames('imds-bot', {
      requestId: 'cr-0a1b2c3d4e5f',
      approver: { userId: text.startsWith('U1') ? text : 'U024BE7LH', name: text },
    });

    expect(names.sourceIdentity).toMatch(STS_NAME);
    expect(names.sessionName).toMatch(STS_NAME);
    expect(names.sourceIdentity).toMatch(/^U[\w.-]*(\+[\w.-]+)?@cr-0a1b2c3d4e5f$/);
    expect(names.sessionName.endsWith('.cr-0a1b2c3d4e5f.U024BE7LH') || names.sessionName.includes('U1')).toBe(
      true,
    );
  });

  it('two approvers of one request, or one approver of two requests, get different sessions', () => {
    const of = (requestId: string, userId: string) =>
      changeSessionNames('imds-bot', { requestId, approver: { userId, name: 'Same Name' } });

    expect(of('cr-000000000001', 'U1').sourceIdentity).not.toBe(of('cr-000000000001', 'U2').sourceIdentity);
    expect(of('cr-000000000001', 'U1').sessionName).not.toBe(of('cr-000000000002', 'U1').sessionName);
  });
});
