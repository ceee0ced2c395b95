import {
  DescribePolicyCommand,
  ListPoliciesCommand,
  OrganizationsClient,
  paginateListOrganizationalUnitsForParent,
  paginateListPolicies,
  paginateListTargetsForPolicy,
} from '@aws-sdk/client-organizations';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import { assumeRole, HUB, outcome, sdkConfig } from '../support/emulator-clients.js';

let fleet: Fleet;
let emulator: AwsEmulator;

const org = (credentials = HUB) => new OrganizationsClient(sdkConfig(emulator.url, credentials, 'us-east-1'));

const SCP = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: 'arn:aws:ec2:*:*:instance/*',
      Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
    },
  ],
});

beforeEach(() => {
  fleet = new Fleet();
});

afterEach(async () => {
  await emulator.close();
});

describe('Organizations policies (AWS JSON 1.1)', () => {
  it('lists policies by type, describes one with its content, lists its targets page by page', async () => {
    const prod = fleet.organization.addOrganizationalUnit({ name: 'prod' });
    fleet.addAccount({ id: '222222222222', name: 'web', parentId: prod });
    const { rootId } = fleet.organization;
    const id = fleet.organization.addPolicy({
      name: 'require-imdsv2',
      type: 'SERVICE_CONTROL_POLICY',
      content: SCP,
      targets: [rootId, prod, '222222222222'],
    });
    fleet.organization.addPolicy({
      id: 'p-FullAWSAccess',
      name: 'FullAWSAccess',
      type: 'SERVICE_CONTROL_POLICY',
      awsManaged: true,
      content: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
      targets: [rootId],
    });
    fleet.organization.addPolicy({ name: 'imds-defaults', type: 'DECLARATIVE_POLICY_EC2', content: '{}' });
    emulator = await startAwsEmulator({ fleet, throttle: false });

    const scps = [];
    for await (const page of paginateListPolicies(
      { client: org(), pageSize: 1 },
      { Filter: 'SERVICE_CONTROL_POLICY' },
    ))
      scps.push(...(page.Policies ?? []));
    const described = await org().send(new DescribePolicyCommand({ PolicyId: id }));
    const targets = [];
    for await (const page of paginateListTargetsForPolicy({ client: org(), pageSize: 2 }, { PolicyId: id }))
      targets.push(...(page.Targets ?? []));
    const declarative = await org().send(new ListPoliciesCommand({ Filter: 'DECLARATIVE_POLICY_EC2' }));

    expect(scps.map((p) => [p.Id, p.Name, p.AwsManaged])).toEqual([
      [id, 'require-imdsv2', false],
      ['p-FullAWSAccess', 'FullAWSAccess', true],
    ]);
    expect(scps[1]?.Arn).toBe('arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess');
    expect(described.Policy?.PolicySummary?.Type).toBe('SERVICE_CONTROL_POLICY');
    expect(described.Policy?.Content).toBe(SCP);
    expect(targets.map((t) => [t.TargetId, t.Type, t.Name])).toEqual([
      [rootId, 'ROOT', 'Root'],
      [prod, 'ORGANIZATIONAL_UNIT', 'prod'],
      ['222222222222', 'ACCOUNT', 'web'],
    ]);
    expect(declarative.Policies?.map((p) => p.Name)).toEqual(['imds-defaults']);
  });

  it('lists the OUs of a parent with their names', async () => {
    const prod = fleet.organization.addOrganizationalUnit({ name: 'prod' });
    const web = fleet.organization.addOrganizationalUnit({ name: 'web', parentId: prod });
    emulator = await startAwsEmulator({ fleet, throttle: false });

    const names = async (ParentId: string) => {
      const out = [];
      for await (const page of paginateListOrganizationalUnitsForParent(
        { client: org(), pageSize: 1 },
        { ParentId },
      ))
        out.push(...(page.OrganizationalUnits ?? []).map((o) => [o.Id, o.Name]));
      return out;
    };

    expect(await names(fleet.organization.rootId)).toEqual([[prod, 'prod']]);
    expect(await names(prod)).toEqual([[web, 'web']]);
  });

  it('answers the errors Organizations does: unknown policy, bad filter, a member account', async () => {
    fleet.addAccount({ id: '222222222222' });
    emulator = await startAwsEmulator({ fleet, throttle: false });
    const member = await assumeRole(emulator.url, {
      RoleArn: 'arn:aws:iam::222222222222:role/ImdsBotScanner',
      RoleSessionName: 'test-session',
    });

    const missing = await outcome(org().send(new DescribePolicyCommand({ PolicyId: 'p-00000099' })));
    const badFilter = await outcome(
      // @ts-expect-error: a filter Organizations does not know, as an older or newer caller might send
      org().send(new ListPoliciesCommand({ Filter: 'NO_SUCH_POLICY' })),
    );
    const denied = await outcome(
      org(member).send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' })),
    );

    expect(missing).toBe('PolicyNotFoundException/400');
    expect(badFilter).toBe('InvalidInputException/400');
    expect(denied).toBe('AccessDeniedException/400');
  });
});
