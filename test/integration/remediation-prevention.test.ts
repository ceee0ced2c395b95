import { EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import { createRemediation } from '../../src/adapters/aws/remediation.js';
import { silentLogger } from '../../src/adapters/log.js';
import { rejection, sdkConfig } from '../support/emulator-clients.js';

const REGION = 'eu-west-1';
const MODIFY_DEFAULTS = 'ec2:ModifyInstanceMetadataDefaults';

let fleet: Fleet;
let emulator: AwsEmulator;
let ec2: EC2Client;
let scope: { accountId: string; region: string };
const remediation = createRemediation({ log: silentLogger() });

beforeEach(async () => {
  fleet = new Fleet({ seed: 5 });
  scope = { accountId: fleet.hubAccountId, region: REGION };
  emulator = await startAwsEmulator({ fleet, throttle: false });
  ec2 = new EC2Client(sdkConfig(emulator.url));
});

afterEach(async () => {
  ec2.destroy();
  await emulator.close();
});

describe('launch templates', () => {
  const addTemplate = () =>
    fleet.addLaunchTemplate({
      region: REGION,
      versions: [
        { instanceType: 't3.small', metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 2 } },
        { instanceType: 't3.large', metadataOptions: { httpTokens: 'optional', httpEndpoint: 'enabled' } },
        { instanceType: 't3.xlarge' },
      ],
      defaultVersion: 2,
    });

  it('copies the default version with tokens required, keeping what it set, and makes it the default', async () => {
    const template = addTemplate();

    const change = await remediation.fixLaunchTemplate(ec2, template.launchTemplateId);

    expect(change).toEqual({
      changed: true,
      previousDefaultVersion: 2,
      newVersion: 4,
      awsRequestIds: [expect.any(String), expect.any(String)],
    });
    expect(template.defaultVersion).toBe(4);
    expect(template.versions.get(4)?.data).toEqual({
      instanceType: 't3.large',
      metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled' },
    });
  });

  it('changes nothing when the default version already requires tokens', async () => {
    const template = addTemplate();
    await remediation.fixLaunchTemplate(ec2, template.launchTemplateId);
    emulator.resetStats();

    const again = await remediation.fixLaunchTemplate(ec2, template.launchTemplateId);

    expect(again).toEqual({ changed: false, previousDefaultVersion: 4, newVersion: 4, awsRequestIds: [] });
    expect(Object.keys(emulator.stats().byAction)).toEqual(['ec2:DescribeLaunchTemplateVersions']);
  });

  it('restores the previous default version, keeping the fixed one', async () => {
    const template = addTemplate();
    const fix = await remediation.fixLaunchTemplate(ec2, template.launchTemplateId);

    const restore = await remediation.restoreLaunchTemplate(
      ec2,
      template.launchTemplateId,
      fix.previousDefaultVersion,
    );

    expect(restore).toEqual({
      changed: true,
      previousDefaultVersion: 4,
      newVersion: 2,
      awsRequestIds: [expect.any(String)],
    });
    expect([template.defaultVersion, template.latestVersion]).toEqual([2, 4]);
  });

  it('says launch-template-not-found for a template that does not exist', async () => {
    const error = await rejection(remediation.fixLaunchTemplate(ec2, 'lt-0123456789abcdef0'));

    expect([error.code, error.transient]).toEqual(['launch-template-not-found', false]);
  });
});

describe('account default', () => {
  it('requires tokens, keeping the other fields, and restores exactly the previous default', async () => {
    fleet.setAccountDefault(scope.accountId, REGION, { httpEndpoint: 'enabled' });
    const before = await remediation.readAccountDefault(ec2, scope);

    const set = await remediation.setAccountDefault(ec2, scope, { httpTokens: 'required' });
    const afterSet = { ...fleet.scope(scope.accountId, REGION)?.accountDefault };
    const restore = await remediation.restoreAccountDefault(ec2, scope, before);

    expect(set).toEqual({
      changed: true,
      before,
      after: { ...before, httpTokens: 'required' },
      awsRequestId: expect.any(String),
    });
    expect(afterSet).toEqual({ managedBy: 'account', httpEndpoint: 'enabled', httpTokens: 'required' });
    expect(restore.after).toEqual(before);
    expect(fleet.scope(scope.accountId, REGION)?.accountDefault).toEqual({
      managedBy: 'account',
      httpEndpoint: 'enabled',
    });
  });

  it('sets a hop limit and clears it again on restore', async () => {
    const before = await remediation.readAccountDefault(ec2, scope);

    await remediation.setAccountDefault(ec2, scope, { httpTokens: 'required', hopLimit: 2 });
    await remediation.restoreAccountDefault(ec2, scope, before);

    expect(fleet.scope(scope.accountId, REGION)?.accountDefault).toEqual({ managedBy: 'account' });
  });

  it('makes no call when the default already requires tokens', async () => {
    await remediation.setAccountDefault(ec2, scope, { httpTokens: 'required' });

    const again = await remediation.setAccountDefault(ec2, scope, { httpTokens: 'required' });

    expect(again.changed).toBe(false);
    expect(emulator.stats().byAction[MODIFY_DEFAULTS]).toBe(1);
  });

  it('refuses, before any call to change it, a default that a declarative policy owns', async () => {
    fleet.setAccountDefault(scope.accountId, REGION, {
      httpTokens: 'optional',
      managedBy: 'declarative-policy',
      managedExceptionMessage: 'Ask cloud-platform: https://wiki.example.com/imds',
    });
    const before = await remediation.readAccountDefault(ec2, scope);

    const set = await rejection(remediation.setAccountDefault(ec2, scope, { httpTokens: 'required' }));
    const restore = await rejection(remediation.restoreAccountDefault(ec2, scope, before));

    expect([set.code, set.transient, restore.code]).toEqual([
      'declarative-policy',
      false,
      'declarative-policy',
    ]);
    expect(set.message).toContain("organization's declarative policy");
    expect(set.message).toContain('AWS Organizations');
    expect(set.message).toContain('https://wiki.example.com/imds');
    expect(emulator.stats().byAction[MODIFY_DEFAULTS]).toBeUndefined();
  });
});
