import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import type { AccountStateFields } from '../../sandbox/aws/organization.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { type AwsClients, createAwsClients } from '../../src/adapters/aws/clients.js';
import { planScopes } from '../../src/adapters/aws/scopes.js';
import { type Harness, makeWorkflow, pointSdkAt, startHarness } from '../support/harness.js';

const HUB = '111111111111';
const PROD = '222222222222';
const WEB = '333333333333';
const SANDBOX = '444444444444';
const LOOSE = '555555555555';
const REGIONS = ['eu-west-1'];
const NOT_ACTIVE = ['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED', 'PENDING_ACTIVATION'] as const;

/** root: hub, LOOSE, the accounts that are not active; prod: PROD; prod/web: WEB; sandbox: SANDBOX. */
function orgFleet(fields: AccountStateFields = 'State') {
  const fleet = new Fleet({ seed: 3 });
  fleet.organization.accountStateFields = fields;
  const prod = fleet.organization.addOrganizationalUnit({ name: 'prod' });
  const web = fleet.organization.addOrganizationalUnit({ name: 'web', parentId: prod });
  const sandbox = fleet.organization.addOrganizationalUnit({ name: 'sandbox' });
  fleet.addAccount({ id: PROD, parentId: prod, regions: REGIONS, tags: { env: 'prod' } });
  fleet.addAccount({ id: WEB, parentId: web, regions: REGIONS, tags: { env: 'prod', team: 'web' } });
  fleet.addAccount({ id: SANDBOX, parentId: sandbox, regions: REGIONS, tags: { env: 'sandbox' } });
  fleet.addAccount({ id: LOOSE, regions: REGIONS, tags: { 'imds-bot': 'skip' } });
  NOT_ACTIVE.forEach((state, i) => {
    fleet.addAccount({ id: String(666_666_666_660 + i), state, regions: REGIONS });
  });
  for (const accountId of [HUB, PROD, WEB, SANDBOX, LOOSE])
    fleet.addInstance({ accountId, region: 'eu-west-1', tags: { Name: `in-${accountId}` } });
  return { fleet, prod, web, sandbox };
}

describe('an organization workflow against Organizations as it answers today', () => {
  let h: Harness;

  afterEach(async () => {
    await h.close();
  });

  it.each([
    ['State only (AWS since 9 September 2026)', 'State'],
    ['Status only (older endpoints)', 'Status'],
    ['both', 'State+Status'],
  ] as const)('scans every ACTIVE member account, %s', async (_label, fields) => {
    const { fleet } = orgFleet(fields);
    const workflow = makeWorkflow({
      accounts: { organization: { roleName: 'ImdsBotScanner' } },
      regions: REGIONS,
    });
    h = await startHarness({ fleet, throttle: false }, workflow);

    const report = await h.scan();

    expect(report.errors).toEqual([]);
    expect([...new Set(report.findings.map((f) => f.accountId))].sort()).toEqual([PROD, WEB, SANDBOX, LOOSE]);
    expect(report.summary.scopes).toEqual({ scanned: 4, partial: 0, failed: 0 });
  });
});

describe('selecting accounts of the organization', () => {
  let emulator: AwsEmulator;
  let clients: AwsClients;
  let ous: ReturnType<typeof orgFleet>;

  beforeAll(async () => {
    ous = orgFleet();
    emulator = await startAwsEmulator({ fleet: ous.fleet, throttle: false });
    pointSdkAt(emulator.url);
    clients = createAwsClients({ hubRegion: 'us-east-1', sessionName: 'test', maxAttempts: 1 });
  });

  afterAll(async () => {
    clients.destroy();
    await emulator.close();
  });

  /** The accounts a workflow's organization scope plans, with the role and ExternalId of each. */
  async function planned(organization: Record<string, unknown>) {
    const workflow = makeWorkflow({ accounts: { organization }, regions: REGIONS });
    const plan = await planScopes(clients, workflow, 'us-east-1');
    return plan.targets.map((t) => [t.account.accountId, t.account.roleArn, t.account.externalId]);
  }

  it('includes an OU with its nested OUs, and excludes by OU, account and tag', async () => {
    const role = (id: string) => `arn:aws:iam::${id}:role/ImdsBotScanner`;

    expect(await planned({ roleName: 'ImdsBotScanner', include: { ous: [ous.prod] } })).toEqual([
      [PROD, role(PROD), undefined],
      [WEB, role(WEB), undefined],
    ]);
    expect(await planned({ roleName: 'ImdsBotScanner', exclude: { ous: [ous.web, ous.sandbox] } })).toEqual([
      [PROD, role(PROD), undefined],
      [LOOSE, role(LOOSE), undefined],
    ]);
    expect(
      await planned({
        roleName: 'ImdsBotScanner',
        exclude: { accounts: [PROD], tags: { 'imds-bot': 'skip' } },
      }),
    ).toEqual([
      [WEB, role(WEB), undefined],
      [SANDBOX, role(SANDBOX), undefined],
    ]);
  });

  it('includes by account tag, every tag given must match', async () => {
    expect(
      (await planned({ roleName: 'ImdsBotScanner', include: { tags: { env: ['prod', 'staging'] } } })).map(
        (t) => t[0],
      ),
    ).toEqual([PROD, WEB]);
    expect(
      (await planned({ roleName: 'ImdsBotScanner', include: { tags: { env: 'prod', team: 'web' } } })).map(
        (t) => t[0],
      ),
    ).toEqual([WEB]);
  });

  it('takes the ExternalId of the account, else of its nearest OU, else the default', async () => {
    const externalIds = { [ous.prod]: 'ext-prod', [ous.web]: 'ext-web', [SANDBOX]: 'ext-sandbox' };

    const out = await planned({ roleName: 'ImdsBotScanner', externalId: 'ext-all', externalIds });

    expect(out.map((t) => [t[0], t[2]])).toEqual([
      [PROD, 'ext-prod'],
      [WEB, 'ext-web'],
      [SANDBOX, 'ext-sandbox'],
      [LOOSE, 'ext-all'],
    ]);
  });

  it('names the change role of every account, the hub included, from changeRoleName', async () => {
    const workflow = makeWorkflow({
      accounts: {
        organization: {
          roleName: 'ImdsBotScanner',
          changeRoleName: 'ImdsBotChange',
          includeManagementAccount: true,
        },
      },
      regions: REGIONS,
    });

    const plan = await planScopes(clients, workflow, 'us-east-1');

    expect(plan.targets.map((t) => [t.account.accountId, t.account.changeRoleArn])).toEqual(
      [HUB, PROD, WEB, SANDBOX, LOOSE].map((id) => [id, `arn:aws:iam::${id}:role/ImdsBotChange`]),
    );
    expect(plan.targets[0]?.account.roleArn).toBeNull();
  });

  it('skips the management account unless asked for, and then scans it with its own credentials', async () => {
    const all = await planned({ roleName: 'ImdsBotScanner', includeManagementAccount: true });

    expect(all[0]).toEqual([HUB, null, undefined]);
    expect(all.map((t) => t[0])).toEqual([HUB, PROD, WEB, SANDBOX, LOOSE]);
  });

  it('names an OU the organization does not have', async () => {
    const workflow = makeWorkflow({
      accounts: { organization: { roleName: 'ImdsBotScanner', include: { ous: ['ou-1111-deadbeef'] } } },
      regions: REGIONS,
    });

    await expect(planScopes(clients, workflow, 'us-east-1')).rejects.toThrow(
      /ListAccountsForParent ou-1111-deadbeef \(Organizations, from the hub\): HTTP 400 ParentNotFoundException/,
    );
  });
});

describe('the hub together with its members', () => {
  let h: Harness;

  afterEach(async () => {
    await h.close();
  });

  it('scans `self` with the hub credentials and each listed member through its role', async () => {
    const { fleet } = orgFleet();
    const member = { id: PROD, roleArn: `arn:aws:iam::${PROD}:role/ImdsBotScanner` };
    h = await startHarness(
      { fleet, throttle: false },
      makeWorkflow({ accounts: ['self', member], regions: REGIONS }),
    );

    const report = await h.scan();

    expect(report.errors).toEqual([]);
    expect(report.findings.map((f) => f.accountId).sort()).toEqual([HUB, PROD]);
    expect(h.emulator.stats().byAction['sts:AssumeRole']).toBe(1);
  });

  it('regions: all scans the enabled regions and notes the opt-in regions not enabled', async () => {
    const fleet = new Fleet({
      seed: 4,
      hub: { regions: ['us-east-1', 'af-south-1'], disabledRegions: ['me-south-1'] },
    });
    fleet.addAccount({ id: PROD, regions: ['us-east-1'], disabledRegions: ['me-south-1', 'ap-east-1'] });
    fleet.addInstance({ accountId: HUB, region: 'af-south-1' });
    const member = { id: PROD, roleArn: `arn:aws:iam::${PROD}:role/ImdsBotScanner` };
    h = await startHarness(
      { fleet, throttle: false },
      makeWorkflow({ accounts: ['self', member], regions: 'all' }),
    );

    const report = await h.scan();

    expect(report.errors).toEqual([]);
    expect(report.summary.scopes).toEqual({ scanned: 3, partial: 0, failed: 0 });
    expect(report.findings.map((f) => f.region)).toEqual(['af-south-1']);
    expect(report.errors).toEqual([]);
    expect(report.notes).toEqual([
      `regions: all skipped opt-in regions not enabled in account ${HUB}: me-south-1`,
      `regions: all skipped opt-in regions not enabled in account ${PROD}: ap-east-1, me-south-1`,
    ]);
  });
});
