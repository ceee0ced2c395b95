// Changes CloudTrail can attribute (issue 13, point 4), against the emulator with the roles of
// deploy/cloudformation/member-role.yaml: the read-only scan role (scanner-policy.json) and the change
// role (remediation + rollback policies, trust requiring a SourceIdentity). The whole bot over Slack:
// an approved enforcement and its rollback reach EC2 with sessions whose SourceIdentity and session
// name name the approver and the request, the audit records that session, and a scan session cannot
// modify anything, whether the account has two roles or one.
import { readFileSync } from 'node:fs';
import { type EC2Client, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyDocument } from '../../sandbox/aws/iam-policy.js';
import type { TrailEvent } from '../../sandbox/aws/trail.js';
import { createAwsClients } from '../../src/adapters/aws/clients.js';
import { changeBy } from '../../src/app/change/context.js';
import { errorOf } from '../support/emulator-clients.js';
import { clickApprove, commandReply } from '../support/request-card.js';
import {
  ACCOUNT,
  changeControlWorkflow,
  REGION,
  slackFleet,
  slackSeed,
  U,
} from '../support/slack-fixtures.js';
import { type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

const iam = (name: string): PolicyDocument =>
  PolicyDocument.parse(
    JSON.parse(readFileSync(new URL(`../../deploy/iam/${name}.json`, import.meta.url), 'utf8')),
  );
/** The cells of one CSV line (RFC 4180 quoting). */
const cells = (line: string): string[] =>
  [...line.trim().matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) =>
    (m[1] ?? '').replace(/^"|"$/g, '').replace(/""/g, '"'),
  );
const roleArn = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;
/** an account deployed before the change role: one role that may read and write */
const ONE_ROLE_ACCOUNT = '565656565656';

describe('changes CloudTrail can attribute', () => {
  let h: SlackHarness;
  const built = slackFleet();
  const member = built.fleet.account(ACCOUNT);
  if (!member) throw new Error('no member account');
  member.roles.ImdsBotScanner = {
    policies: [iam('scanner-policy')],
    requireSourceIdentity: false,
    allowSourceIdentity: false,
  };
  member.roles.ImdsBotChange = {
    policies: [iam('remediation-policy'), iam('rollback-policy')],
    requireSourceIdentity: true,
    allowSourceIdentity: true,
  };
  built.fleet.addAccount({ id: ONE_ROLE_ACCOUNT, regions: [REGION], roleName: 'ImdsBotLegacy' });
  const legacyInstance = built.fleet.addInstance({ accountId: ONE_ROLE_ACCOUNT, region: REGION }).instanceId;
  const workflow = changeControlWorkflow();
  workflow.scope.accounts = [
    { id: ACCOUNT, roleArn: roleArn('ImdsBotScanner'), changeRoleArn: roleArn('ImdsBotChange') },
    { id: ONE_ROLE_ACCOUNT, roleArn: roleArn('ImdsBotLegacy', ONE_ROLE_ACCOUNT) },
  ];

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, workflow, slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  const requestIdIn = (text: string) => /cr-[0-9a-f]{12}/.exec(text)?.[0] ?? '';
  const command = (text: string, user: string) => commandReply(h, text, user);
  const approve = async (id: string, user: string) => {
    await clickApprove(h, id, user);
  };
  const applied = (id: string) =>
    until(async () => {
      const cr = await h.runtime.ctx.change.requests.get(id);
      return cr?.state === 'applied' ? cr : undefined;
    }, `${id} applied`);
  const modifyEvents = (instanceId: string): TrailEvent[] =>
    h.emulator
      .trail()
      .filter(
        (e) =>
          e.eventName === 'ModifyInstanceMetadataOptions' && e.accountId === ACCOUNT && e.errorCode === null,
      )
      .filter(() => instanceId !== '');

  it('an approved enforcement reaches EC2 as the change role, with the approver and the request as its SourceIdentity', async () => {
    const id = requestIdIn(await command(`enforce ${built.ids.aliceReady} agent upgraded`, U.alice));
    await approve(id, U.approver);
    const cr = await applied(id);
    const by = changeBy(cr);

    const events = modifyEvents(built.ids.aliceReady);
    const entry = (await h.runtime.ctx.audit.recent({ limit: 20, instanceId: built.ids.aliceReady })).find(
      (e) => e.type === 'applied' && e.requestId === id,
    );

    expect(by.approver.userId).toBe(U.approver);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      roleName: 'ImdsBotChange',
      sessionName: `imds-bot.${id}.${U.approver}`,
      sourceIdentity: expect.stringMatching(new RegExp(`^${U.approver}\\+[\\w.-]+@${id}$`)),
      sessionPolicy: false,
    });
    expect(entry?.session).toEqual({
      roleArn: roleArn('ImdsBotChange'),
      sessionName: events[0]?.sessionName,
      sourceIdentity: events[0]?.sourceIdentity,
    });
    expect((await h.runtime.ctx.audit.verify()).ok).toBe(true);
    const csv: string[] = [];
    for await (const line of h.runtime.ctx.audit.export({ format: 'csv' })) csv.push(line);
    const header = cells(csv[0] ?? '');
    const row = cells(csv.find((l) => l.includes(',applied,') && l.includes(id)) ?? '');
    expect(row[header.indexOf('awsSourceIdentity')]).toBe(events[0]?.sourceIdentity);
    expect(row[header.indexOf('awsRoleArn')]).toBe(roleArn('ImdsBotChange'));
  });

  it('the rollback gets a session of its own, naming its own request and approver', async () => {
    const id = requestIdIn(
      await command(`rollback ${built.ids.aliceReady} breaks the metrics agent`, U.approver),
    );
    await approve(id, U.approver2);
    await applied(id);

    const events = modifyEvents(built.ids.aliceReady);

    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({
      roleName: 'ImdsBotChange',
      sessionName: `imds-bot.${id}.${U.approver2}`,
      sourceIdentity: expect.stringMatching(new RegExp(`^${U.approver2}\\+[\\w.-]+@${id}$`)),
    });
    expect(events[1]?.accessKeyId).not.toBe(events[0]?.accessKeyId);
  });

  it('/imds audit shows the session each change was made as', async () => {
    const sessions = modifyEvents(built.ids.aliceReady).map((e) => e.sourceIdentity ?? '');

    const text = await command(`audit ${built.ids.aliceReady}`, U.sec);

    expect(sessions).toHaveLength(2);
    for (const s of sessions) expect(text).toContain(` as ${s}`);
  });

  it('scanner-policy.json allows every read the scan makes in a member account: none was refused', () => {
    const scanCalls = h.emulator.trail().filter((e) => e.roleName === 'ImdsBotScanner');

    expect(new Set(scanCalls.map((e) => e.eventName))).toContain('DescribeImages');
    expect(
      scanCalls.filter((e) => e.errorCode !== null).map((e) => `${e.eventName}: ${e.errorCode}`),
    ).toEqual([]);
  });

  it("the scan read everything through the scan role's read-only sessions, with no SourceIdentity", () => {
    const scanEvents = h.emulator
      .trail()
      .filter((e) => e.eventName === 'DescribeInstances' && e.roleName !== 'ImdsBotChange');

    expect(scanEvents.length).toBeGreaterThan(0);
    expect(
      new Set(scanEvents.map((e) => `${e.roleName} ${e.sessionName} ${e.sessionPolicy} ${e.sourceIdentity}`)),
    ).toEqual(new Set(['ImdsBotScanner imds-bot true null', 'ImdsBotLegacy imds-bot true null']));
  });

  describe('a scan session cannot modify anything', () => {
    const clients = () =>
      createAwsClients({ hubRegion: 'us-east-1', sessionName: 'imds-bot', maxAttempts: 1 });
    const modify = (ec2: EC2Client, instanceId: string) =>
      ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: instanceId, HttpTokens: 'required' }));

    it.each([
      ['two roles: the scan role allows no write', ACCOUNT, 'ImdsBotScanner', () => built.ids.carol],
      [
        'one role: the read-only session policy denies it',
        ONE_ROLE_ACCOUNT,
        'ImdsBotLegacy',
        () => legacyInstance,
      ],
    ])('%s', async (_what, accountId, role, instance) => {
      const c = clients();
      const scan = c.forScope({ accountId, roleArn: roleArn(role, accountId) }, REGION).ec2;

      const refused = await errorOf(modify(scan, instance()));
      c.destroy();

      expect(refused).toMatchObject({ name: 'UnauthorizedOperation', status: 403 });
      expect(refused.message).toContain('ec2:ModifyInstanceMetadataOptions');
      expect(built.fleet.instance(instance())?.metadata.httpTokens).toBe('optional');
    });

    it('one role: the same role may change, in a change session naming the request', async () => {
      const c = clients();
      const by = { requestId: 'cr-00000000000a', approver: { userId: U.approver, name: 'Ap Prover' } };
      const change = c.forChange(
        { accountId: ONE_ROLE_ACCOUNT, roleArn: roleArn('ImdsBotLegacy', ONE_ROLE_ACCOUNT) },
        REGION,
        by,
      );

      const out = await modify(change.ec2, legacyInstance);
      c.destroy();

      expect(out.$metadata.httpStatusCode).toBe(200);
      expect(change.session).toEqual({
        roleArn: roleArn('ImdsBotLegacy', ONE_ROLE_ACCOUNT),
        sessionName: `imds-bot.cr-00000000000a.${U.approver}`,
        sourceIdentity: `${U.approver}+Ap.Prover@cr-00000000000a`,
      });
      expect(
        h.emulator.trail().findLast((e) => e.eventName === 'ModifyInstanceMetadataOptions'),
      ).toMatchObject({
        accountId: ONE_ROLE_ACCOUNT,
        sourceIdentity: `${U.approver}+Ap.Prover@cr-00000000000a`,
        errorCode: null,
      });
    });
  });
});
