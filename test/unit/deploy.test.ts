// Static checks of the deployment files (docker/, deploy/). No Docker engine or AWS account is used:
// the files are read and parsed, never run.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CollectionTag, parse, type ScalarTag } from 'yaml';
import { z } from 'zod';
import { READ_ONLY_SESSION_POLICY } from '../../src/adapters/aws/credentials.js';
import { createMetrics } from '../../src/adapters/metrics/catalog.js';
import { startMetricsServer } from '../../src/adapters/metrics/server.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

// ---------------------------------------------------------------------------------------------- IAM
const Strings = z
  .union([z.string(), z.array(z.string()).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));
const Statement = z.strictObject({
  Sid: z.string().regex(/^[A-Za-z0-9]+$/),
  Effect: z.enum(['Allow', 'Deny']),
  Action: Strings.pipe(z.array(z.string().regex(/^[a-z0-9-]+:[A-Za-z]+$/, 'service:Action, no wildcard'))),
  Resource: Strings,
  Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});
type Statement = z.infer<typeof Statement>;
const Policy = z.strictObject({ Version: z.literal('2012-10-17'), Statement: z.array(Statement).min(1) });
type Policy = z.infer<typeof Policy>;

const policyFiles = ['scanner', 'remediation', 'rollback', 'hub', 'find-caller'] as const;
const policy = (name: (typeof policyFiles)[number]): Policy =>
  Policy.parse(JSON.parse(read(`deploy/iam/${name}-policy.json`)));
const actionsOf = (p: Policy): string[] => p.Statement.flatMap((s) => s.Action).sort();
const statement = (p: Policy, sid: string): Statement | undefined => p.Statement.find((s) => s.Sid === sid);
const SCANNER_ACTIONS = [
  'autoscaling:DescribeAutoScalingGroups',
  'cloudwatch:GetMetricData',
  'ec2:DescribeImages',
  'ec2:DescribeInstances',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:DescribeRegions',
  'ec2:GetInstanceMetadataDefaults',
];

describe('IAM policies', () => {
  it.each(policyFiles)('%s-policy.json follows the policy grammar with unique Sids', (name) => {
    const sids = policy(name).Statement.map((s) => s.Sid);

    expect(new Set(sids).size).toBe(sids.length);
  });

  it('scanner policy only reads, and reads exactly what the scan needs', () => {
    const actions = actionsOf(policy('scanner'));

    expect(actions).toEqual(SCANNER_ACTIONS);
    expect(actions.filter((a) => !/:(Describe|Get|List)[A-Z]/.test(a))).toEqual([]);
    expect(actions.filter((a) => /:(Modify|Create|Delete|Put|Update|Set|Run|Terminate)/.test(a))).toEqual([]);
  });

  it('find-caller policy sends only AWS-RunShellScript, only to instances tagged for it; the rest reads', () => {
    const p = policy('find-caller');
    const sends = p.Statement.filter((s) => s.Action.includes('ssm:SendCommand'));

    expect(sends.map((s) => [s.Resource, s.Condition ?? null])).toEqual([
      [['arn:aws:ssm:*::document/AWS-RunShellScript'], null],
      [['arn:aws:ec2:*:*:instance/*'], { StringEquals: { 'aws:ResourceTag/ImdsBotFindCaller': 'true' } }],
    ]);
    expect(actionsOf(p).filter((a) => a !== 'ssm:SendCommand')).toEqual([
      'ssm:DescribeInstanceInformation',
      'ssm:GetCommandInvocation',
    ]);
  });

  it('scanner policy allows GetMetricData on any resource (no resource-level permissions)', () => {
    const metrics = policy('scanner').Statement.find((s) => s.Action.includes('cloudwatch:GetMetricData'));

    expect(metrics?.Resource).toEqual(['*']);
  });

  it.each([
    ['remediation', 'RequireImdsV2OnInstances', 'required'],
    ['rollback', 'RollbackInstancesToImdsV1Allowed', 'optional'],
  ] as const)('%s policy sets HttpTokens=%s only, on instances only', (name, sid, value) => {
    const modify = statement(policy(name), sid);

    expect(modify?.Action).toEqual(['ec2:ModifyInstanceMetadataOptions']);
    expect(modify?.Resource).toEqual(['arn:aws:ec2:*:*:instance/*']);
    expect(modify?.Condition).toEqual({ StringEquals: { 'ec2:Attribute/HttpTokens': value } });
  });

  it('remediation policy grants ModifyInstanceMetadataOptions in no other statement', () => {
    const grants = policy('remediation').Statement.filter((s) =>
      s.Action.includes('ec2:ModifyInstanceMetadataOptions'),
    );

    expect(grants.map((s) => s.Sid)).toEqual(['RequireImdsV2OnInstances']);
  });

  it('hub policy assumes only ImdsBot* roles and scans its own account', () => {
    const hub = policy('hub');

    expect(statement(hub, 'AssumeMemberAccountRoles')?.Resource).toEqual(['arn:aws:iam::*:role/ImdsBot*']);
    // cross-account, the caller's own policy must allow setting a SourceIdentity too
    expect(statement(hub, 'AssumeMemberAccountRoles')?.Action).toEqual([
      'sts:AssumeRole',
      'sts:SetSourceIdentity',
    ]);
    expect(statement(hub, 'ScanOwnAccount')?.Action.sort()).toEqual(SCANNER_ACTIONS);
    expect(actionsOf(hub)).toContain('organizations:ListAccounts');
  });
});

// --------------------------------------------------------------------------------- CloudFormation
// CloudFormation short-form intrinsics, mapped to their long form so the template parses as data.
const intrinsics: Record<string, string> = {
  '!Ref': 'Ref',
  '!Sub': 'Fn::Sub',
  '!GetAtt': 'Fn::GetAtt',
  '!If': 'Fn::If',
  '!Equals': 'Fn::Equals',
  '!Not': 'Fn::Not',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!Condition': 'Condition',
};
const cfnTags = Object.entries(intrinsics).flatMap(([tag, fn]): (ScalarTag | CollectionTag)[] => [
  { tag, resolve: (s: string) => ({ [fn]: fn === 'Fn::GetAtt' ? s.split('.') : s }) },
  { tag, collection: 'seq', resolve: (seq) => ({ [fn]: seq.toJSON() }) },
]);

const InlinePolicy = z.strictObject({ PolicyName: z.string(), PolicyDocument: z.unknown() });
const Conditional = z.strictObject({ 'Fn::If': z.tuple([z.string(), InlinePolicy, z.unknown()]) });
const IamRole = z.looseObject({
  Type: z.literal('AWS::IAM::Role'),
  Condition: z.string().optional(),
  Properties: z.looseObject({
    RoleName: z.unknown(),
    AssumeRolePolicyDocument: z.looseObject({ Statement: z.array(z.looseObject({})) }),
    Policies: z.array(z.union([InlinePolicy, Conditional])),
  }),
});
const Template = z.looseObject({
  Parameters: z.record(
    z.string(),
    z.looseObject({ Default: z.string().optional(), NoEcho: z.boolean().optional() }),
  ),
  Resources: z.looseObject({ Role: IamRole, ChangeRole: IamRole }),
  Outputs: z.record(z.string(), z.looseObject({ Value: z.unknown(), Condition: z.string().optional() })),
});
const template = Template.parse(
  parse(read('deploy/cloudformation/member-role.yaml'), { customTags: cfnTags }),
);
const role = template.Resources.Role.Properties;
const changeRole = template.Resources.ChangeRole.Properties;

/** The template's resources use !Sub with ${AWS::Partition}; the JSON files use the aws partition. */
const normalise = (doc: unknown): unknown =>
  JSON.parse(JSON.stringify(doc), (_key, value: unknown) => {
    const sub = z.strictObject({ 'Fn::Sub': z.string() }).safeParse(value);
    return sub.success ? sub.data['Fn::Sub'].replace(/\$\{AWS::Partition\}/g, 'aws') : value;
  });
const inline = (name: string, of: typeof role = role): { condition: string | null; document: Policy } => {
  for (const entry of of.Policies) {
    const [condition, body] = 'Fn::If' in entry ? [entry['Fn::If'][0], entry['Fn::If'][1]] : [null, entry];
    if (body.PolicyName === name)
      return { condition, document: Policy.parse(normalise(body.PolicyDocument)) };
  }
  throw new Error(`no inline policy ${name}`);
};

describe('CloudFormation member role', () => {
  it('trusts the hub role only with the external id', () => {
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Sid: 'TrustImdsBotHubRole',
        Effect: 'Allow',
        Principal: { AWS: { Ref: 'HubRoleArn' } },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
      },
    ]);
  });

  it('hides the external id and names the role so that the hub policy can assume it', () => {
    expect(template.Parameters.ExternalId?.NoEcho).toBe(true);
    expect(template.Parameters.RoleName?.Default).toBe('ImdsBotScanner');
    expect(template.Parameters.RoleName).toMatchObject({
      AllowedPattern: expect.stringMatching(/^\^ImdsBot/),
    });
  });

  it.each([
    ['Role', 'ImdsBotScanner', 'scanner', null],
    ['ChangeRole', 'ImdsBotRemediation', 'remediation', null],
    ['ChangeRole', 'ImdsBotRollback', 'rollback', 'RollbackEnabled'],
    ['ChangeRole', 'ImdsBotFindCaller', 'find-caller', 'FindCallerEnabled'],
  ] as const)(
    '%s inline policy %s equals deploy/iam/%s-policy.json (condition %s)',
    (res, name, file, condition) => {
      const actual = inline(name, template.Resources[res].Properties);

      expect(actual.condition).toBe(condition);
      expect(actual.document).toEqual(policy(file));
    },
  );

  it('the scan role has only the scanner policy: it allows no write', () => {
    const actions = role.Policies.flatMap((p) =>
      'Fn::If' in p
        ? ['a conditional policy']
        : Policy.parse(normalise(p.PolicyDocument)).Statement.flatMap((s) => s.Action),
    );

    expect(role.Policies).toHaveLength(1);
    expect(actions.filter((a) => !/:(Describe|Get|List)[A-Z]/.test(a))).toEqual([]);
  });

  it('the change role exists only with remediation, named ImdsBotChange as the SCP example exempts it', () => {
    expect(template.Resources.ChangeRole.Condition).toBe('RemediationEnabled');
    expect(changeRole.RoleName).toEqual({ Ref: 'ChangeRoleName' });
    expect(template.Parameters.ChangeRoleName?.Default).toBe('ImdsBotChange');
    expect(read('deploy/policies/scp-protect-imds-options.json')).toContain(
      'arn:aws:iam::*:role/ImdsBotChange"',
    );
  });

  it('the change role trusts only the hub role, with the external id, and only with a SourceIdentity', () => {
    const file = z
      .strictObject({ Version: z.string(), Statement: z.array(z.looseObject({})) })
      .parse(JSON.parse(read('deploy/iam/change-role-trust-policy.json')));
    const withRefs = JSON.parse(
      JSON.stringify(file.Statement)
        .replace('"arn:aws:iam::111122223333:role/ImdsBotHub"', '{"Ref":"HubRoleArn"}')
        .replace('"REPLACE-WITH-THE-EXTERNAL-ID"', '{"Ref":"ExternalId"}'),
    );

    expect(changeRole.AssumeRolePolicyDocument.Statement).toEqual(withRefs);
    expect(changeRole.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Sid: 'TrustImdsBotHubRoleWithSourceIdentity',
        Effect: 'Allow',
        Principal: { AWS: { Ref: 'HubRoleArn' } },
        Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        Condition: {
          StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } },
          StringLike: { 'sts:SourceIdentity': '*' },
        },
      },
    ]);
  });

  it('deploy/iam/scan-session-policy.json is the session policy the bot puts on every scan session', () => {
    expect(JSON.parse(read('deploy/iam/scan-session-policy.json'))).toEqual(
      JSON.parse(READ_ONLY_SESSION_POLICY),
    );
  });

  it('outputs both role ARNs', () => {
    expect(template.Outputs.RoleArn?.Value).toEqual({ 'Fn::GetAtt': ['Role', 'Arn'] });
    expect(template.Outputs.ChangeRoleArn).toEqual({
      Condition: 'RemediationEnabled',
      Description: expect.any(String),
      Value: { 'Fn::GetAtt': ['ChangeRole', 'Arn'] },
    });
  });
});

// ------------------------------------------------------------------------------------------ Docker
const redisConf = (): Map<string, string[]> => {
  const directives = new Map<string, string[]>();
  for (const raw of read('docker/redis.conf').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [name = '', ...args] = line.split(/\s+/);
    directives.set(name, [...(directives.get(name) ?? []), args.join(' ')]);
  }
  return directives;
};

describe('redis.conf', () => {
  it.each([
    ['appendonly', ['yes']],
    ['appendfsync', ['everysec']],
    ['maxmemory-policy', ['noeviction']],
    ['maxmemory', ['512mb']],
    ['save', ['3600 1', '300 100', '60 10000']],
    ['dir', ['/data']],
    ['daemonize', ['no']],
    ['timeout', ['0']],
  ])('sets %s to %j', (name, values) => {
    expect(redisConf().get(name)).toEqual(values);
  });
});

const Service = z.looseObject({
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  volumes: z.array(z.string()).optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
  ports: z.array(z.string()).optional(),
  read_only: z.boolean().optional(),
});
const composeText = read('docker/compose.yaml');
const compose = z
  .object({ services: z.record(z.string(), Service), volumes: z.record(z.string(), z.unknown()) })
  .parse(parse(composeText, { merge: true }));
const service = (name: string): z.infer<typeof Service> => Service.parse(compose.services[name]);

describe('compose.yaml', () => {
  it('runs redis with the BullMQ config on a named volume, healthchecked with PING, unpublished', () => {
    const redis = service('redis');

    expect(redis.command).toEqual(['redis-server', '/usr/local/etc/redis/redis.conf']);
    expect(redis.volumes).toEqual(['./redis.conf:/usr/local/etc/redis/redis.conf:ro', 'redis-data:/data']);
    expect(Object.keys(compose.volumes)).toContain('redis-data');
    expect(redis.healthcheck?.test.join(' ')).toContain('redis-cli ping');
    expect(redis.ports).toBeUndefined();
  });

  it.each([
    ['worker', ['worker']],
    ['bot', ['serve']],
  ])('runs %s from the bot image with %j, after redis is healthy, read-only', (name, command) => {
    const app = service(name);

    expect(app.image).toBe('imds-bot:local');
    expect(app.command).toEqual(command);
    expect(app.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(app.environment).toEqual({ REDIS_URL: 'redis://redis:6379' });
    expect(app.read_only).toBe(true);
    expect(app.healthcheck?.test.join(' ')).toContain('/readyz');
  });

  it('holds no inline secrets', () => {
    const secretNames = /TOKEN|SECRET|PASSWORD|ACCESS_KEY/;
    const inlineNames = Object.values(compose.services).flatMap((s) => Object.keys(s.environment ?? {}));

    expect(inlineNames.filter((n) => secretNames.test(n))).toEqual([]);
    expect(composeText).not.toMatch(/xox[abpe]-|xapp-|AKIA[0-9A-Z]{16}|redis:\/\/[^@\s]*:[^@\s]+@/);
  });
});

const stages = read('docker/Dockerfile')
  .split(/^FROM /m)
  .slice(1)
  .map((s) => `FROM ${s}`);
const finalStage = stages.at(-1) ?? '';

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages.map((s) => /^FROM \S+ AS (\w+)$/m.exec(s)?.[1])).toEqual(['build', 'runtime']);
  });

  it('installs production dependencies only, with npm ci, and no build tools, in the final stage', () => {
    expect(finalStage).toMatch(/npm ci --omit=dev/);
    expect(finalStage).not.toMatch(/npm (install|i)\b/);
    expect(finalStage).not.toMatch(/apt-get|build-essential|python3|g\+\+/);
  });

  it('runs as a non-root user, with a healthcheck, the CLI entry point and the worker by default', () => {
    const user = /^USER (\S+)$/m.exec(finalStage)?.[1];

    expect(user).toBe('node');
    expect(finalStage).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", "-e", ".*\/readyz.*"\]$/m);
    expect(finalStage).toMatch(/^ENV METRICS_PORT=9464$/m);
    expect(finalStage).toMatch(/^EXPOSE 9464$/m);
    expect(finalStage).toMatch(/^ENTRYPOINT \["node", "dist\/src\/cli\/index\.js"\]$/m);
    expect(finalStage).toMatch(/^CMD \["worker"\]$/m);
  });

  it('sends only what the build copies (allow-list dockerignore, so never .env)', () => {
    const patterns = read('docker/Dockerfile.dockerignore')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));

    expect(patterns).toEqual([
      '*',
      '!package.json',
      '!package-lock.json',
      '!tsconfig*.json',
      '!src',
      '!workflows',
      '!deploy/ssm',
    ]);
  });
});

// ------------------------------------------------------------------ the healthcheck, actually run
/** The JavaScript of the image's HEALTHCHECK (`node -e <script>`), as Docker would run it. */
const healthScript = (): string => {
  const cmd = /^HEALTHCHECK .*\\\n\s+CMD (\[.*\])$/m.exec(finalStage)?.[1] ?? '[]';
  const argv = z.tuple([z.literal('node'), z.literal('-e'), z.string()]).parse(JSON.parse(cmd));
  return argv[2];
};
const runHealthcheck = (port: number): Promise<number | null> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', healthScript()], {
      env: { ...process.env, METRICS_PORT: String(port) },
      stdio: 'ignore',
    });
    child.on('close', (code) => resolve(code));
  });

describe('the image HEALTHCHECK against the real metrics server', () => {
  const start = async (ok: boolean) => {
    const { registry } = createMetrics({ defaultMetrics: false });
    const ready = async () => ({ ok, checks: { redis: ok ? 'ok' : 'no answer to PING within 2000 ms' } });
    return startMetricsServer(
      { registry, beforeScrape: async () => {}, ready, onError: () => {} },
      { port: 0 },
    );
  };

  it.each([
    [true, 0],
    [false, 1],
  ])('ready %s: the check exits %i', async (ok, code) => {
    const server = await start(ok);

    expect(await runHealthcheck(server.port)).toBe(code);
    await server.close();
  });

  it('fails when nothing listens', async () => {
    const server = await start(true);
    await server.close();

    expect(await runHealthcheck(server.port)).toBe(1);
  });
});
