import { z } from 'zod';
import {
  AccountDefault,
  AmiImage,
  AutoScalingGroup,
  Instance,
  LaunchTemplate,
  ScanError,
  Usage,
} from './model.js';

/** What reading one part gave: its value, or the (partial) error that took its place. */
const Outcome = <T extends z.ZodTypeAny>(value: T) =>
  z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: ScanError }),
  ]);

const UsageEntries = z.array(z.tuple([z.string(), Usage]));

/**
 * What an attempt of a scope job has read so far. Kept when the attempt fails, so the next
 * attempt goes on from there: the inventory and the parts already read are not read again.
 */
export const ScopeProgress = z.object({
  instances: z.object({ instances: z.array(Instance), errors: z.array(ScanError) }).optional(),
  launchTemplates: Outcome(z.array(LaunchTemplate)).optional(),
  accountDefault: Outcome(AccountDefault.nullable()).optional(),
  autoScalingGroups: Outcome(z.array(AutoScalingGroup)).optional(),
  /** MetadataNoToken per instance */
  usage: Outcome(UsageEntries).optional(),
  /** ImdsSupport of the AMIs the laggards and templates use */
  images: Outcome(z.array(AmiImage)).optional(),
  /** MetadataNoTokenRejected per watched instance */
  rejections: Outcome(UsageEntries).optional(),
});
export type ScopeProgress = z.infer<typeof ScopeProgress>;

export type PartKey = Exclude<keyof ScopeProgress, 'instances'>;
export type PartOutcome<K extends PartKey> = NonNullable<ScopeProgress[K]>;
export type PartValue<K extends PartKey> = Extract<PartOutcome<K>, { ok: true }>['value'];
