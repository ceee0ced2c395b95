import type { FormCall, XmlAction } from '../context.js';
import type { LaunchTemplateRecord, LaunchTemplateVersionRecord } from '../types.js';
import { invalidCombination } from '../wire/errors.js';
import { pageOf } from '../wire/tokens.js';
import {
  requireTemplate,
  requireVersion,
  scopeTemplates,
  templateById,
  templateByName,
} from './ec2-template-lookup.js';
import { writeTemplate, writeVersion } from './ec2-template-xml.js';

const PAGE_EXCEPT = ['NextToken', 'MaxResults'];

const describeLaunchTemplates: XmlAction = (call, out) => {
  const ids = call.params.list('LaunchTemplateId');
  const names = call.params.list('LaunchTemplateName');
  const maxResults = call.params.int('MaxResults', 1, 200);
  if (call.params.has('Filter'))
    throw invalidCombination('the emulator does not support Filter on DescribeLaunchTemplates');
  const selected =
    ids.length + names.length === 0
      ? scopeTemplates(call)
      : [...ids.map((id) => templateById(call, id)), ...names.map((name) => templateByName(call, name))];
  const page = pageOf(
    selected,
    call.params.str('NextToken'),
    call.params.fingerprint(PAGE_EXCEPT),
    maxResults ?? 1000,
    'InvalidPaginationToken',
  );
  out.list('launchTemplates', 'item', page.items, (w, t) => writeTemplate(w, t));
  out.leaf('nextToken', page.nextToken);
};

type Entry = [LaunchTemplateRecord, LaunchTemplateVersionRecord];

/** Without a template id or name, '$Default' / '$Latest' cover every template of the scope. */
function everyTemplate(call: FormCall, specs: readonly string[]): Entry[] {
  if (specs.length === 0 || specs.some((s) => s !== '$Default' && s !== '$Latest')) {
    throw invalidCombination(
      'Without LaunchTemplateId or LaunchTemplateName, LaunchTemplateVersion must be $Default and/or $Latest.',
    );
  }
  const entries: Entry[] = [];
  for (const t of scopeTemplates(call)) {
    const numbers = new Set(specs.map((s) => (s === '$Default' ? t.defaultVersion : t.latestVersion)));
    for (const n of [...numbers].sort((a, b) => a - b)) {
      const version = t.versions.get(n);
      if (version) entries.push([t, version]);
    }
  }
  return entries;
}

function oneTemplate(call: FormCall, specs: readonly string[]): Entry[] {
  const t = requireTemplate(call);
  if (specs.length > 0) return specs.map((s) => [t, requireVersion(t, s)]);
  const min = call.params.int('MinVersion', 1, Number.MAX_SAFE_INTEGER) ?? 1;
  const max = call.params.int('MaxVersion', 1, Number.MAX_SAFE_INTEGER) ?? Number.MAX_SAFE_INTEGER;
  return [...t.versions.values()]
    .filter((v) => v.versionNumber >= min && v.versionNumber <= max)
    .map((v) => [t, v]);
}

const describeLaunchTemplateVersions: XmlAction = (call, out) => {
  const specs = call.params.list('LaunchTemplateVersion');
  const maxResults = call.params.int('MaxResults', 1, 200);
  const named =
    call.params.str('LaunchTemplateId') !== undefined || call.params.str('LaunchTemplateName') !== undefined;
  const entries = named ? oneTemplate(call, specs) : everyTemplate(call, specs);
  const page = pageOf(
    entries,
    call.params.str('NextToken'),
    call.params.fingerprint(PAGE_EXCEPT),
    maxResults ?? 1000,
    'InvalidPaginationToken',
  );
  out.list('launchTemplateVersionSet', 'item', page.items, (w, [t, v]) => writeVersion(w, t, v));
  out.leaf('nextToken', page.nextToken);
};

export const ec2TemplateActions: Record<string, XmlAction> = {
  DescribeLaunchTemplates: describeLaunchTemplates,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
};
