import type { RequestOutcome } from '../../../app/change/request-file.js';
import type { EnvironmentTags } from '../../../domain/fixes/environment.js';
import { code, say } from '../../../domain/message.js';

const which = (rule: EnvironmentTags) =>
  `tag ${[rule.tag, ...rule.alsoTags].join(' / ')} one of ${rule.nonprodValues.join(', ')}`;

/** The reply says which instances `--env nonprod` kept, so nobody wonders where production went. */
export function nonprodOutcome(o: RequestOutcome, rule: EnvironmentTags): RequestOutcome {
  if (o.ok)
    return {
      ...o,
      notes: [...o.notes, say`Non-production only (${which(rule)}); untagged instances are left out.`],
    };
  return { ...o, reason: say`${o.reason} (with ${code('--env nonprod')}: ${which(rule)})` };
}
