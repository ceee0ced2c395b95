import { z } from 'zod';

/** Where an owner's messages go: their DM, their team's channel, or (unrouted) security, with why. */
export const OwnerRoute = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), userId: z.string(), label: z.string() }),
  z.object({ kind: z.literal('channel'), channelId: z.string(), label: z.string() }),
  z.object({ kind: z.literal('unrouted'), reason: z.string() }),
]);
export type OwnerRoute = z.infer<typeof OwnerRoute>;

export interface OwnerRef {
  owner: string;
  ownerTag: string;
}

/** The owner tag of a finding, when it has one. */
export const ownerRefOf = (f: { owner: string | null; ownerTag: string | null }): OwnerRef | null =>
  f.owner && f.ownerTag ? { owner: f.owner, ownerTag: f.ownerTag } : null;
