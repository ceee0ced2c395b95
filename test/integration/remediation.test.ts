import { EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import type { MetadataOptionsModel } from '../../sandbox/aws/types.js';
import { createRemediation } from '../../src/adapters/aws/remediation.js';
import { silentLogger } from '../../src/adapters/log.js';
import { enforceOptions } from '../../src/domain/change/approval-gates.js';
import type { TargetFacts } from '../../src/domain/change/approval-roles.js';
import { APPROVALS_DEFAULTS } from '../../src/domain/change/approval-schema.js';
import type { MetadataOptions } from '../../src/domain/findings/model.js';
import { rejection, sdkConfig } from '../support/emulator-clients.js';

const REGION = 'eu-west-1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MODIFY = 'ec2:ModifyInstanceMetadataOptions';

const FACTS: TargetFacts = {
  instanceId: null,
  readiness: 'ready',
  isProd: false,
  ownerUserId: null,
  asg: null,
  templateRisk: null,
  containerHost: null,
  botHost: null,
};

const V1_DEFAULTS: MetadataOptions = {
  httpTokens: 'optional',
  httpEndpoint: 'enabled',
  hopLimit: 1,
  state: 'applied',
  instanceMetadataTags: 'disabled',
  httpProtocolIpv6: 'disabled',
};

const V1_MODEL: MetadataOptionsModel = {
  httpTokens: 'optional',
  httpEndpoint: 'enabled',
  httpPutResponseHopLimit: 1,
  instanceMetadataTags: 'disabled',
  httpProtocolIpv6: 'disabled',
};

/** The emulator's record of an instance, in our field names. */
const recorded = (m: MetadataOptionsModel) => ({
  httpTokens: m.httpTokens,
  httpEndpoint: m.httpEndpoint,
  hopLimit: m.httpPutResponseHopLimit,
  instanceMetadataTags: m.instanceMetadataTags,
  httpProtocolIpv6: m.httpProtocolIpv6,
});

let fleet: Fleet;
let emulator: AwsEmulator;
let ec2: EC2Client;
const remediation = createRemediation({ log: silentLogger(), pollIntervalMs: 20, pollTimeoutMs: 5_000 });

beforeEach(async () => {
  fleet = new Fleet({ seed: 11 });
  emulator = await startAwsEmulator({ fleet, throttle: false, metadataApplyDelayMs: 50 });
  ec2 = new EC2Client(sdkConfig(emulator.url));
});

afterEach(async () => {
  ec2.destroy();
  await emulator.close();
});

const addInstance = (metadata: Partial<MetadataOptionsModel> = {}) =>
  fleet.addInstance({ region: REGION, metadata });

describe('enforceInstance', () => {
  it('requires tokens, verifies, and records the exact before state and the request id', async () => {
    const instance = addInstance();
    const { options: current } = await remediation.readInstanceOptions(ec2, instance.instanceId);

    const result = await remediation.enforceInstance(
      ec2,
      instance.instanceId,
      enforceOptions(current, FACTS, APPROVALS_DEFAULTS),
    );

    expect(result).toEqual({
      changed: true,
      before: V1_DEFAULTS,
      after: { ...V1_DEFAULTS, httpTokens: 'required' },
      awsRequestId: expect.stringMatching(UUID),
    });
    expect(recorded(instance.metadata)).toEqual({ ...recorded(V1_MODEL), httpTokens: 'required' });
    expect(emulator.stats().byAction[MODIFY]).toBe(1);
  });

  it('sends every option on the wire, not only the ones that change', async () => {
    const instance = addInstance();
    const bodies: string[] = [];
    ec2.middlewareStack.add(
      (next) => async (args) => {
        const body = (args.request as { body?: unknown }).body;
        if (typeof body === 'string' && body.includes('Action=ModifyInstanceMetadataOptions'))
          bodies.push(body);
        return next(args);
      },
      { step: 'finalizeRequest' },
    );

    await remediation.enforceInstance(ec2, instance.instanceId, {
      ...recorded(V1_MODEL),
      httpTokens: 'required',
    });

    const sent = new URLSearchParams(bodies[0]);
    expect(Object.fromEntries([...sent].filter(([k]) => !['Action', 'Version'].includes(k)))).toEqual({
      InstanceId: instance.instanceId,
      HttpTokens: 'required',
      HttpEndpoint: 'enabled',
      HttpPutResponseHopLimit: '1',
      InstanceMetadataTags: 'disabled',
      HttpProtocolIpv6: 'disabled',
    });
  });

  it.each<[string, Partial<MetadataOptionsModel>]>([
    [
      'a hop limit of 3 and tags and IPv6 enabled',
      { httpPutResponseHopLimit: 3, instanceMetadataTags: 'enabled', httpProtocolIpv6: 'enabled' },
    ],
    ['the endpoint disabled', { httpEndpoint: 'disabled', httpPutResponseHopLimit: 5 }],
  ])('keeps %s', async (_name, metadata) => {
    const instance = addInstance(metadata);
    const expected = { ...recorded(instance.metadata), httpTokens: 'required' };
    const { options: current } = await remediation.readInstanceOptions(ec2, instance.instanceId);

    const result = await remediation.enforceInstance(
      ec2,
      instance.instanceId,
      enforceOptions(current, FACTS, APPROVALS_DEFAULTS),
    );

    expect(result.changed).toBe(true);
    expect(recorded(instance.metadata)).toEqual(expected);
  });

  it('gives a container host the policy hop limit of 2, and it sticks', async () => {
    const instance = addInstance();
    const { options: current } = await remediation.readInstanceOptions(ec2, instance.instanceId);
    const options = enforceOptions(current, { ...FACTS, containerHost: 'eks' }, APPROVALS_DEFAULTS);

    const result = await remediation.enforceInstance(ec2, instance.instanceId, options);
    const reread = await remediation.readInstanceOptions(ec2, instance.instanceId);

    expect(options.hopLimit).toBe(2);
    expect(result.changed && result.after.hopLimit).toBe(2);
    expect(reread.options).toEqual({ ...V1_DEFAULTS, httpTokens: 'required', hopLimit: 2 });
  });

  it('makes no call when the instance already runs with exactly those options', async () => {
    const instance = addInstance({ httpTokens: 'required' });
    const options = { ...recorded(instance.metadata), httpTokens: 'required' as const };

    const result = await remediation.enforceInstance(ec2, instance.instanceId, options);

    expect(result).toEqual({ changed: false, before: { ...V1_DEFAULTS, httpTokens: 'required' } });
    expect(emulator.stats().byAction[MODIFY]).toBeUndefined();
  });

  it('hands the before state to onBefore before it changes anything', async () => {
    const instance = addInstance({ httpPutResponseHopLimit: 4 });
    const seen: { before: MetadataOptions; tokensThen: string }[] = [];

    await remediation.enforceInstance(
      ec2,
      instance.instanceId,
      { ...recorded(instance.metadata), httpTokens: 'required' },
      (before) => {
        seen.push({ before, tokensThen: instance.metadata.httpTokens });
      },
    );

    expect(seen).toEqual([{ before: { ...V1_DEFAULTS, hopLimit: 4 }, tokensThen: 'optional' }]);
  });

  it('says instance-not-found (permanent) for an instance that does not exist', async () => {
    const options = { ...recorded(addInstance().metadata), httpTokens: 'required' as const };

    const error = await rejection(remediation.enforceInstance(ec2, 'i-0123456789abcdef0', options));

    expect([error.code, error.transient]).toEqual(['instance-not-found', false]);
    expect(error.message).toContain('i-0123456789abcdef0');
  });

  it('refuses a terminated instance', async () => {
    const instance = addInstance();
    fleet.terminateInstance(instance.instanceId);

    const error = await rejection(
      remediation.enforceInstance(ec2, instance.instanceId, {
        ...recorded(instance.metadata),
        httpTokens: 'required',
      }),
    );

    expect(error.code).toBe('instance-terminated');
    expect(emulator.stats().byAction[MODIFY]).toBeUndefined();
  });
});

describe('beforeCall', () => {
  it('is awaited before every AWS call, with the action', async () => {
    const instance = addInstance();
    const actions: string[] = [];
    const metered = createRemediation({
      log: silentLogger(),
      pollIntervalMs: 20,
      beforeCall: async (action) => {
        actions.push(action);
      },
    });

    await metered.enforceInstance(ec2, instance.instanceId, {
      ...recorded(V1_MODEL),
      httpTokens: 'required',
    });

    expect(actions[0]).toBe('DescribeInstances');
    expect(actions[1]).toBe('ModifyInstanceMetadataOptions');
    expect(new Set(actions.slice(2))).toEqual(new Set(['DescribeInstances']));
    expect(actions).toHaveLength(emulator.stats().calls);
  });
});

describe('restoreInstance', () => {
  it('puts back exactly the before state', async () => {
    const instance = addInstance({ httpPutResponseHopLimit: 3, instanceMetadataTags: 'enabled' });
    const original = recorded(instance.metadata);
    const enforced = await remediation.enforceInstance(ec2, instance.instanceId, {
      ...original,
      httpTokens: 'required',
      hopLimit: 2,
    });
    if (!enforced.changed) throw new Error('expected a change');

    const restored = await remediation.restoreInstance(ec2, instance.instanceId, enforced.before);

    expect(restored).toEqual({
      changed: true,
      before: enforced.after,
      after: enforced.before,
      awsRequestId: expect.stringMatching(UUID),
    });
    expect(recorded(instance.metadata)).toEqual(original);
  });
});

describe('waitApplied', () => {
  it('fails verify-mismatch, naming the fields, when the applied options are not the ones sent', async () => {
    const instance = addInstance();
    const meddling = createRemediation({
      log: silentLogger(),
      pollIntervalMs: 20,
      // another actor changes the instance while ours is pending
      sleep: async (ms) => {
        instance.metadata.httpPutResponseHopLimit = 7;
        await new Promise((r) => setTimeout(r, ms));
      },
    });

    const error = await rejection(
      meddling.enforceInstance(ec2, instance.instanceId, {
        ...recorded(instance.metadata),
        httpTokens: 'required',
      }),
    );

    expect(error.code).toBe('verify-mismatch');
    expect(error.message).toContain('hopLimit is 7 (wanted 1)');
  });

  it('gives up with a transient apply-timeout while the change stays pending', async () => {
    await emulator.close();
    emulator = await startAwsEmulator({ fleet, throttle: false, metadataApplyDelayMs: 60_000 });
    const client = new EC2Client(sdkConfig(emulator.url));
    const instance = addInstance();
    const impatient = createRemediation({ log: silentLogger(), pollIntervalMs: 10, pollTimeoutMs: 100 });

    const error = await rejection(
      impatient.enforceInstance(client, instance.instanceId, {
        ...recorded(instance.metadata),
        httpTokens: 'required',
      }),
    );

    expect([error.code, error.transient]).toEqual(['apply-timeout', true]);
    client.destroy();
  });
});
