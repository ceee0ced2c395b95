import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type LaunchTemplateInstanceMetadataOptionsRequest,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { CodedError } from '../../domain/errors.js';
import type { TemplateChange } from '../../domain/ports/remediation.js';
import { type AwsCaller, awsCaller, type RemediationDeps, requestIdOf } from './remediation-shared.js';

/**
 * Launch templates: a fix is a new version (a copy of the default version with tokens required)
 * made the default; a rollback makes the previous default the default again. Old versions stay.
 */

const Toggle = z.enum(['enabled', 'disabled']);
const AwsVersion = z.object({
  VersionNumber: z.number().int(),
  LaunchTemplateData: z
    .object({
      MetadataOptions: z
        .object({
          HttpTokens: z.enum(['optional', 'required']).optional(),
          HttpEndpoint: Toggle.optional(),
          HttpPutResponseHopLimit: z.number().int().optional(),
          InstanceMetadataTags: Toggle.optional(),
          HttpProtocolIpv6: Toggle.optional(),
        })
        .optional(),
    })
    .optional(),
});
type AwsVersion = z.infer<typeof AwsVersion>;

const renameNotFound = (id: string) => (e: CodedError) =>
  e.code.startsWith('InvalidLaunchTemplateId.') || e.code.startsWith('InvalidLaunchTemplateName.')
    ? new CodedError(
        'launch-template-not-found',
        `Launch template ${id} does not exist in this account and region.`,
        {
          cause: e,
        },
      )
    : null;

async function readDefaultVersion(call: AwsCaller, ec2: EC2Client, id: string): Promise<AwsVersion> {
  const out = await call(
    'DescribeLaunchTemplateVersions',
    `DescribeLaunchTemplateVersions ${id}`,
    () =>
      ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ['$Default'] })),
    renameNotFound(id),
  );
  const parsed = AwsVersion.safeParse(out.LaunchTemplateVersions?.[0]);
  if (parsed.success) return parsed.data;
  throw new CodedError(
    'unexpected-response',
    `DescribeLaunchTemplateVersions ${id}: no readable default version.`,
  );
}

/** Tokens required; what the source version set is sent again explicitly, what it left unset stays unset. */
function requiredOptions(v: AwsVersion): LaunchTemplateInstanceMetadataOptionsRequest {
  const mo = v.LaunchTemplateData?.MetadataOptions ?? {};
  return {
    HttpTokens: 'required',
    ...(mo.HttpEndpoint !== undefined && { HttpEndpoint: mo.HttpEndpoint }),
    ...(mo.HttpPutResponseHopLimit !== undefined && { HttpPutResponseHopLimit: mo.HttpPutResponseHopLimit }),
    ...(mo.InstanceMetadataTags !== undefined && { InstanceMetadataTags: mo.InstanceMetadataTags }),
    ...(mo.HttpProtocolIpv6 !== undefined && { HttpProtocolIpv6: mo.HttpProtocolIpv6 }),
  };
}

async function createRequiredVersion(call: AwsCaller, ec2: EC2Client, id: string, source: AwsVersion) {
  const from = source.VersionNumber;
  const out = await call('CreateLaunchTemplateVersion', `CreateLaunchTemplateVersion ${id}`, () =>
    ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: id,
        SourceVersion: String(from),
        VersionDescription: `imds-bot: version ${from} with IMDSv2 tokens required`,
        // the same token on a job retry: AWS hands back the version the first attempt created
        ClientToken: `imds-bot-${id}-from-${from}`,
        LaunchTemplateData: { MetadataOptions: requiredOptions(source) },
      }),
    ),
  );
  const version = out.LaunchTemplateVersion?.VersionNumber;
  if (version === undefined)
    throw new CodedError('unexpected-response', `CreateLaunchTemplateVersion ${id}: no version number.`);
  return { version, awsRequestId: requestIdOf(out) };
}

async function setDefault(
  call: AwsCaller,
  ec2: EC2Client,
  id: string,
  version: number,
): Promise<string | null> {
  const out = await call(
    'ModifyLaunchTemplate',
    `ModifyLaunchTemplate ${id}`,
    () =>
      ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: String(version) })),
    renameNotFound(id),
  );
  return requestIdOf(out);
}

/** Reads the default back: it must be `version`, and require tokens when `required`. */
async function verifyDefault(
  call: AwsCaller,
  ec2: EC2Client,
  id: string,
  version: number,
  required: boolean,
): Promise<void> {
  const now = await readDefaultVersion(call, ec2, id);
  const problems = [
    ...(now.VersionNumber === version ? [] : [`default version is ${now.VersionNumber} (wanted ${version})`]),
    ...(!required || now.LaunchTemplateData?.MetadataOptions?.HttpTokens === 'required'
      ? []
      : ['its HttpTokens is not required']),
  ];
  if (problems.length > 0)
    throw new CodedError(
      'verify-mismatch',
      `Launch template ${id}: after the change, ${problems.join(', ')}.`,
    );
}

const ids = (...values: (string | null)[]): string[] => values.filter((v): v is string => v !== null);

export function createTemplateRemediation(deps: RemediationDeps) {
  const { log } = deps;
  const call = awsCaller(deps);
  return {
    async fixLaunchTemplate(ec2: EC2Client, launchTemplateId: string): Promise<TemplateChange> {
      const current = await readDefaultVersion(call, ec2, launchTemplateId);
      const previousDefaultVersion = current.VersionNumber;
      if (current.LaunchTemplateData?.MetadataOptions?.HttpTokens === 'required')
        return {
          changed: false,
          previousDefaultVersion,
          newVersion: previousDefaultVersion,
          awsRequestIds: [],
        };
      const created = await createRequiredVersion(call, ec2, launchTemplateId, current);
      const modified = await setDefault(call, ec2, launchTemplateId, created.version);
      await verifyDefault(call, ec2, launchTemplateId, created.version, true);
      const change = {
        changed: true,
        previousDefaultVersion,
        newVersion: created.version,
        awsRequestIds: ids(created.awsRequestId, modified),
      };
      log.info({ launchTemplateId, ...change }, 'launch template default now requires tokens');
      return change;
    },

    async restoreLaunchTemplate(
      ec2: EC2Client,
      launchTemplateId: string,
      previousDefaultVersion: number,
    ): Promise<TemplateChange> {
      const current = (await readDefaultVersion(call, ec2, launchTemplateId)).VersionNumber;
      const unchanged = {
        changed: false,
        previousDefaultVersion: current,
        newVersion: current,
        awsRequestIds: [],
      };
      if (current === previousDefaultVersion) return unchanged;
      const requestId = await setDefault(call, ec2, launchTemplateId, previousDefaultVersion);
      await verifyDefault(call, ec2, launchTemplateId, previousDefaultVersion, false);
      const change = {
        changed: true,
        previousDefaultVersion: current,
        newVersion: previousDefaultVersion,
        awsRequestIds: ids(requestId),
      };
      log.info({ launchTemplateId, ...change }, 'launch template default restored');
      return change;
    },
  };
}
