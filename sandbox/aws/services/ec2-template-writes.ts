import type { FormCall, XmlAction } from '../context.js';
import type { LaunchTemplateData, MetadataOptionsModel, Toggle } from '../types.js';
import { dryRun } from './ec2-account.js';
import { requireTemplate, requireVersion } from './ec2-template-lookup.js';
import { writeTemplate, writeVersion } from './ec2-template-xml.js';

const TOGGLES: readonly Toggle[] = ['enabled', 'disabled'];
const P = 'LaunchTemplateData.MetadataOptions.';

function requestedMetadata(call: FormCall): Partial<MetadataOptionsModel> {
  const { params } = call;
  const candidates: Record<keyof MetadataOptionsModel, string | number | undefined> = {
    httpTokens: params.oneOf(`${P}HttpTokens`, ['optional', 'required'] as const),
    httpPutResponseHopLimit: params.int(`${P}HttpPutResponseHopLimit`, 1, 64),
    httpEndpoint: params.oneOf(`${P}HttpEndpoint`, TOGGLES),
    httpProtocolIpv6: params.oneOf(`${P}HttpProtocolIpv6`, TOGGLES),
    instanceMetadataTags: params.oneOf(`${P}InstanceMetadataTags`, TOGGLES),
  };
  const out: Partial<MetadataOptionsModel> = {};
  for (const [key, value] of Object.entries(candidates)) {
    if (value !== undefined) Object.assign(out, { [key]: value });
  }
  return out;
}

/** The source version's data (when SourceVersion is given), overlaid with the request's. */
function newVersionData(call: FormCall, source: LaunchTemplateData | undefined): LaunchTemplateData {
  const data: LaunchTemplateData = { ...source };
  const instanceType = call.params.str('LaunchTemplateData.InstanceType');
  const imageId = call.params.str('LaunchTemplateData.ImageId');
  if (instanceType !== undefined) data.instanceType = instanceType;
  if (imageId !== undefined) data.imageId = imageId;
  const metadata = { ...source?.metadataOptions, ...requestedMetadata(call) };
  if (Object.keys(metadata).length > 0) data.metadataOptions = metadata;
  return data;
}

const createLaunchTemplateVersion: XmlAction = (call, out) => {
  const t = requireTemplate(call);
  const sourceSpec = call.params.str('SourceVersion');
  const source = sourceSpec === undefined ? undefined : requireVersion(t, sourceSpec).data;
  const data = newVersionData(call, source);
  if (call.params.bool('DryRun')) throw dryRun();
  const versionNumber = t.latestVersion + 1;
  const version = {
    versionNumber,
    description: call.params.str('VersionDescription') ?? null,
    createTime: call.now,
    data,
  };
  t.versions.set(versionNumber, version);
  t.latestVersion = versionNumber;
  out.node('launchTemplateVersion', (w) => writeVersion(w, t, version));
};

/** ModifyLaunchTemplate: the SDK's DefaultVersion goes on the wire as SetDefaultVersion. */
const modifyLaunchTemplate: XmlAction = (call, out) => {
  const t = requireTemplate(call);
  const spec = call.params.str('SetDefaultVersion');
  const version = spec === undefined ? undefined : requireVersion(t, spec);
  if (call.params.bool('DryRun')) throw dryRun();
  if (version) t.defaultVersion = version.versionNumber;
  out.node('launchTemplate', (w) => writeTemplate(w, t));
};

export const ec2TemplateWriteActions: Record<string, XmlAction> = {
  CreateLaunchTemplateVersion: createLaunchTemplateVersion,
  ModifyLaunchTemplate: modifyLaunchTemplate,
};
