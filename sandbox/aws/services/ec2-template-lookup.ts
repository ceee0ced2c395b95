import type { FormCall } from '../context.js';
import { resolveVersion } from '../records.js';
import type { LaunchTemplateRecord, LaunchTemplateVersionRecord } from '../types.js';
import { ApiError, invalidCombination } from '../wire/errors.js';

const TEMPLATE_ID = /^lt-[0-9a-f]{17}$/;

export function scopeTemplates(call: FormCall): LaunchTemplateRecord[] {
  return call.fleet.scope(call.principal.accountId, call.region)?.templates ?? [];
}

export function templateById(call: FormCall, id: string): LaunchTemplateRecord {
  if (!TEMPLATE_ID.test(id)) {
    throw new ApiError(
      'InvalidLaunchTemplateId.Malformed',
      `The specified launch template ID ${id} is malformed.`,
    );
  }
  const found = call.fleet.launchTemplate(call.principal.accountId, call.region, id);
  if (!found) {
    throw new ApiError(
      'InvalidLaunchTemplateId.NotFound',
      `The specified launch template, with template ID ${id}, does not exist.`,
    );
  }
  return found;
}

export function templateByName(call: FormCall, name: string): LaunchTemplateRecord {
  const found = scopeTemplates(call).find((t) => t.name === name);
  if (!found) {
    throw new ApiError(
      'InvalidLaunchTemplateName.NotFoundException',
      `The specified launch template, with template name ${name}, does not exist.`,
    );
  }
  return found;
}

/** The template named by LaunchTemplateId or LaunchTemplateName (exactly one of them). */
export function requireTemplate(call: FormCall): LaunchTemplateRecord {
  const id = call.params.str('LaunchTemplateId');
  const name = call.params.str('LaunchTemplateName');
  if (id !== undefined && name !== undefined) {
    const byId = templateById(call, id);
    if (byId.name !== name)
      throw invalidCombination('LaunchTemplateId and LaunchTemplateName name different templates');
    return byId;
  }
  if (id !== undefined) return templateById(call, id);
  if (name !== undefined) return templateByName(call, name);
  throw new ApiError(
    'MissingParameter',
    'The request must contain the parameter LaunchTemplateId or LaunchTemplateName',
  );
}

/** A version by number, '$Default' or '$Latest'; InvalidLaunchTemplateId.VersionNotFound otherwise. */
export function requireVersion(t: LaunchTemplateRecord, spec: string): LaunchTemplateVersionRecord {
  const number = resolveVersion(t, spec);
  const version = number === null ? undefined : t.versions.get(number);
  if (!version) {
    throw new ApiError(
      'InvalidLaunchTemplateId.VersionNotFound',
      `Could not find launch template version ${spec} for launch template ID ${t.launchTemplateId}.`,
    );
  }
  return version;
}
