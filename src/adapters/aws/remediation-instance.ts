import {
  DescribeInstancesCommand,
  type EC2Client,
  ModifyInstanceMetadataOptionsCommand,
} from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { CodedError } from '../../domain/errors.js';
import type { MetadataOptions } from '../../domain/findings/model.js';
import type {
  InstanceChange,
  InstanceMetadataState,
  InstanceOptions,
  OnBefore,
  RequiredOptions,
} from '../../domain/ports/remediation.js';
import { AwsMetadataOptions, metadataOf } from './map-instance.js';
import { type AwsCaller, awsCaller, type RemediationDeps, requestIdOf } from './remediation-shared.js';

const FIELDS = [
  'httpTokens',
  'httpEndpoint',
  'hopLimit',
  'instanceMetadataTags',
  'httpProtocolIpv6',
] as const;

export const InstanceLifecycle = z.enum([
  'pending',
  'running',
  'shutting-down',
  'terminated',
  'stopping',
  'stopped',
]);
export type InstanceLifecycle = z.infer<typeof InstanceLifecycle>;

export interface InstanceRemediationOptions extends RemediationDeps {
  pollIntervalMs?: number;
  pollTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** epoch ms; give it with `sleep` when time is simulated */
  now?: () => number;
}

/** The fields we rely on; defaults as in map-instance.ts (what the scan reads). */
const AwsInstance = z.object({
  InstanceId: z.string(),
  State: z.object({ Name: InstanceLifecycle }),
  MetadataOptions: AwsMetadataOptions,
});

const notFound = (instanceId: string, cause: unknown): CodedError =>
  new CodedError(
    'instance-not-found',
    `Instance ${instanceId} does not exist in this account and region: it was terminated, or the id is wrong.`,
    { cause },
  );

const renameNotFound = (instanceId: string) => (e: CodedError) =>
  e.code === 'InvalidInstanceID.NotFound' ? notFound(instanceId, e) : null;

/** Only the five options, whatever else the caller's object carries (a `state`, say). */
const pickOptions = (o: InstanceOptions): InstanceOptions => ({
  httpTokens: o.httpTokens,
  httpEndpoint: o.httpEndpoint,
  hopLimit: o.hopLimit,
  instanceMetadataTags: o.instanceMetadataTags,
  httpProtocolIpv6: o.httpProtocolIpv6,
});

/** `hopLimit is 1 (wanted 2)` for every field that differs. */
const mismatches = (actual: InstanceOptions, desired: InstanceOptions): string[] =>
  FIELDS.filter((f) => actual[f] !== desired[f]).map(
    (f) => `${f} is ${String(actual[f])} (wanted ${String(desired[f])})`,
  );

function toState(instanceId: string, raw: unknown): InstanceMetadataState {
  const parsed = AwsInstance.safeParse(raw);
  if (!parsed.success) {
    const problem = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new CodedError('unexpected-response', `DescribeInstances ${instanceId}: ${problem}`);
  }
  const m = parsed.data.MetadataOptions;
  return {
    instanceId,
    instanceState: parsed.data.State.Name,
    options: metadataOf(m),
  };
}

function instanceCalls(call: AwsCaller) {
  return {
    async readInstanceOptions(ec2: EC2Client, instanceId: string): Promise<InstanceMetadataState> {
      const out = await call(
        'DescribeInstances',
        `DescribeInstances ${instanceId}`,
        () => ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
        renameNotFound(instanceId),
      );
      const raw = out.Reservations?.flatMap((r) => r.Instances ?? []).find(
        (i) => i.InstanceId === instanceId,
      );
      if (!raw) throw notFound(instanceId, undefined);
      return toState(instanceId, raw);
    },

    /** Every option explicit, so no endpoint implementation can reset one we left out. */
    async applyInstanceOptions(
      ec2: EC2Client,
      instanceId: string,
      desired: InstanceOptions,
    ): Promise<{ awsRequestId: string | null }> {
      const input = {
        InstanceId: instanceId,
        HttpTokens: desired.httpTokens,
        HttpEndpoint: desired.httpEndpoint,
        HttpPutResponseHopLimit: desired.hopLimit,
        InstanceMetadataTags: desired.instanceMetadataTags,
        HttpProtocolIpv6: desired.httpProtocolIpv6,
      };
      const out = await call(
        'ModifyInstanceMetadataOptions',
        `ModifyInstanceMetadataOptions ${instanceId}`,
        () => ec2.send(new ModifyInstanceMetadataOptionsCommand(input)),
        renameNotFound(instanceId),
      );
      return { awsRequestId: requestIdOf(out) };
    },
  };
}

const GONE: readonly InstanceLifecycle[] = ['shutting-down', 'terminated'];

function requireLive(s: InstanceMetadataState): MetadataOptions {
  if (!GONE.includes(s.instanceState)) return s.options;
  throw new CodedError(
    'instance-terminated',
    `Instance ${s.instanceId} is ${s.instanceState}: nothing to change.`,
  );
}

export function createInstanceRemediation(opts: InstanceRemediationOptions) {
  const { log, pollIntervalMs = 500, pollTimeoutMs = 60_000 } = opts;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const { readInstanceOptions, applyInstanceOptions } = instanceCalls(awsCaller(opts));

  /** Polls until State=applied (a change is 'pending' first, so it sleeps before each read). */
  async function untilApplied(ec2: EC2Client, instanceId: string): Promise<MetadataOptions> {
    const deadline = now() + pollTimeoutMs;
    for (;;) {
      await sleep(pollIntervalMs);
      const options = requireLive(await readInstanceOptions(ec2, instanceId));
      if (options.state === 'applied') return options;
      if (now() >= deadline) {
        const waited = `still pending after ${Math.round(pollTimeoutMs / 1000)} s`;
        throw new CodedError('apply-timeout', `Instance ${instanceId}: metadata options ${waited}.`, {
          transient: true,
        });
      }
    }
  }

  async function waitApplied(
    ec2: EC2Client,
    instanceId: string,
    desired: InstanceOptions,
  ): Promise<MetadataOptions> {
    const after = await untilApplied(ec2, instanceId);
    const wrong = mismatches(after, desired);
    if (wrong.length === 0) return after;
    throw new CodedError(
      'verify-mismatch',
      `Instance ${instanceId}: after the change was applied, ${wrong.join(', ')}.`,
    );
  }

  /** What the instance runs with now: a change still pending (someone else's) is waited out. */
  async function settled(ec2: EC2Client, instanceId: string): Promise<MetadataOptions> {
    const options = requireLive(await readInstanceOptions(ec2, instanceId));
    return options.state === 'applied' ? options : untilApplied(ec2, instanceId);
  }

  /** Read -> nothing to do, or apply every option -> wait until applied -> verify. */
  async function converge(
    ec2: EC2Client,
    instanceId: string,
    desired: InstanceOptions,
    onBefore?: OnBefore,
    known?: InstanceMetadataState,
  ): Promise<InstanceChange> {
    const want = pickOptions(desired);
    // a state the caller has just read (and that is not pending) saves a DescribeInstances
    const before = known?.options.state === 'applied' ? requireLive(known) : await settled(ec2, instanceId);
    if (mismatches(before, want).length === 0) return { changed: false, before };
    await onBefore?.(before);
    const { awsRequestId } = await applyInstanceOptions(ec2, instanceId, want);
    const after = await waitApplied(ec2, instanceId, want);
    log.info({ instanceId, awsRequestId, before, after }, 'instance metadata options changed');
    return { changed: true, before, after, awsRequestId };
  }

  return {
    readInstanceOptions,
    applyInstanceOptions,
    waitApplied,
    /** Tokens required, the rest as `options` says (see enforceOptions in the approval policy). */
    enforceInstance: (
      ec2: EC2Client,
      instanceId: string,
      options: RequiredOptions,
      onBefore?: OnBefore,
      known?: InstanceMetadataState,
    ) => converge(ec2, instanceId, options, onBefore, known),
    /** Rollback: puts back exactly the options captured before the change. */
    restoreInstance: (ec2: EC2Client, instanceId: string, before: InstanceOptions) =>
      converge(ec2, instanceId, before),
  };
}
