import { z } from 'zod';
import type { Finding, HttpEndpoint, HttpTokens, Readiness } from './model.js';

/**
 * What a change the bot made did to an instance, kept so the stored finding says so at once (not
 * at the next scan): a second Enforce or a snooze of an instance that now requires tokens is refused.
 */
export const InstanceChange = z.object({
  instanceId: z.string(),
  httpTokens: z.enum(['optional', 'required']),
  hopLimit: z.number().int().nullable(),
  httpEndpoint: z.enum(['enabled', 'disabled']).nullable(),
  /** when the change was verified, ISO 8601 */
  at: z.string(),
  requestId: z.string(),
});
export type InstanceChange = z.infer<typeof InstanceChange>;

/** Readiness from the options alone, keeping the usage the last scan read. */
function readinessAfter(tokens: HttpTokens, endpoint: HttpEndpoint, f: Finding): Readiness {
  if (endpoint === 'disabled') return 'imds-disabled';
  if (tokens === 'required') return 'compliant';
  if (f.usage && f.usage.noTokenCalls > 0) return 'in-use';
  return f.usage && f.usage.datapoints > 0 ? 'ready' : 'unknown';
}

/** The finding as the change left it. Pure. */
export function withChange(f: Finding, c: InstanceChange): Finding {
  const httpEndpoint = c.httpEndpoint ?? f.httpEndpoint;
  return {
    ...f,
    httpTokens: c.httpTokens,
    httpEndpoint,
    hopLimit: c.hopLimit ?? f.hopLimit,
    metadataState: 'applied',
    readiness: readinessAfter(c.httpTokens, httpEndpoint, f),
  };
}

/** The options record a change request keeps (before / after) as an instance change, or null. */
export function instanceChangeOf(
  instanceId: string,
  options: Record<string, unknown> | null,
  at: string,
  requestId: string,
): InstanceChange | null {
  const tokens = options?.httpTokens;
  if (tokens !== 'optional' && tokens !== 'required') return null;
  const hop = options?.hopLimit;
  const endpoint = options?.httpEndpoint;
  return {
    instanceId,
    httpTokens: tokens,
    hopLimit: typeof hop === 'number' ? hop : null,
    httpEndpoint: endpoint === 'enabled' || endpoint === 'disabled' ? endpoint : null,
    at,
    requestId,
  };
}
