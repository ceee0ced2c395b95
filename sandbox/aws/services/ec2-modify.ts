import type { FormCall, XmlAction } from '../context.js';
import type { InstanceRecord, MetadataOptionsModel, Toggle } from '../types.js';
import { ApiError } from '../wire/errors.js';
import { dryRun } from './ec2-account.js';
import { writeMetadataOptions } from './ec2-instance-xml.js';
import { findInstances } from './ec2-instances.js';

const TOGGLES: readonly Toggle[] = ['enabled', 'disabled'];

function requestedOptions(call: FormCall): Partial<MetadataOptionsModel> {
  const { params } = call;
  const requested: Partial<MetadataOptionsModel> = {};
  const httpTokens = params.oneOf('HttpTokens', ['optional', 'required'] as const);
  const hop = params.int('HttpPutResponseHopLimit', 1, 64);
  const httpEndpoint = params.oneOf('HttpEndpoint', TOGGLES);
  const tags = params.oneOf('InstanceMetadataTags', TOGGLES);
  const ipv6 = params.oneOf('HttpProtocolIpv6', TOGGLES);
  if (httpTokens !== undefined) requested.httpTokens = httpTokens;
  if (hop !== undefined) requested.httpPutResponseHopLimit = hop;
  if (httpEndpoint !== undefined) requested.httpEndpoint = httpEndpoint;
  if (tags !== undefined) requested.instanceMetadataTags = tags;
  if (ipv6 !== undefined) requested.httpProtocolIpv6 = ipv6;
  return requested;
}

/** The new values show at once; the state is 'pending' for metadataApplyDelayMs, then 'applied'. */
function apply(call: FormCall, instance: InstanceRecord, requested: Partial<MetadataOptionsModel>): void {
  const before = instance.metadata.httpTokens;
  instance.metadata = { ...instance.metadata, ...requested };
  instance.metadataAppliedAt = call.now + call.settings.metadataApplyDelayMs;
  if (before !== 'required' && instance.metadata.httpTokens === 'required') {
    instance.tokensRequiredSince = call.now;
    instance.tokensRequiredChanges++;
  }
  if (instance.metadata.httpTokens === 'optional') instance.tokensRequiredSince = null;
}

/** The request as CloudTrail records it: the API's own parameter names. */
const requestedFields = (r: Partial<MetadataOptionsModel>): Record<string, unknown> => ({
  ...(r.httpTokens !== undefined ? { HttpTokens: r.httpTokens } : {}),
  ...(r.httpPutResponseHopLimit !== undefined ? { HttpPutResponseHopLimit: r.httpPutResponseHopLimit } : {}),
  ...(r.httpEndpoint !== undefined ? { HttpEndpoint: r.httpEndpoint } : {}),
});

const modifyInstanceMetadataOptions: XmlAction = (call, out) => {
  const id = call.params.required('InstanceId');
  const [instance] = findInstances(call, [id]);
  const requested = requestedOptions(call);
  if (!instance || instance.state === 'terminated') {
    throw new ApiError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
  }
  if (call.params.bool('DryRun')) throw dryRun();
  apply(call, instance, requested);
  call.fleet.sqs.modifiedInstance(instance, requestedFields(requested), call.now);
  out.leaf('instanceId', instance.instanceId);
  writeMetadataOptions(out, 'instanceMetadataOptions', instance.metadata, 'pending');
};

export const ec2ModifyActions: Record<string, XmlAction> = {
  ModifyInstanceMetadataOptions: modifyInstanceMetadataOptions,
};
