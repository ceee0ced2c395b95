import { z } from 'zod';

/** The audit chain's head at one moment, kept outside Redis: it proves every entry up to `seq`. */
export const Anchor = z.object({
  at: z.iso.datetime(),
  seq: z.number().int().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Anchor = z.infer<typeof Anchor>;

export type AnchorCheck = { ok: true; proofs: string[] } | { ok: false; reason: string; proofs: string[] };

/**
 * Each anchor must find its entry in the chain with the same hash. A chain shorter than an anchor
 * lost entries the anchor covered (a wiped or evicted stream "verifies" as empty otherwise); a
 * different hash means the chain was rewritten up to there. `hashes`: seq → hash for the anchored seqs.
 */
export function checkAnchors(anchors: readonly Anchor[], count: number, hashes: ReadonlyMap<number, string>) {
  const proofs: string[] = [];
  for (const a of [...anchors].sort((x, y) => x.seq - y.seq)) {
    const found = hashes.get(a.seq);
    if (found === undefined) {
      const reason = `the anchor of ${a.at} covers entries #1–#${a.seq}, but the chain has ${count} entries: entries #${count + 1}–#${a.seq} are gone`;
      return { ok: false, reason, proofs } satisfies AnchorCheck;
    }
    if (found !== a.hash) {
      const reason = `entry #${a.seq} has hash ${found} but the anchor of ${a.at} says ${a.hash}: the chain was rewritten up to there`;
      return { ok: false, reason, proofs } satisfies AnchorCheck;
    }
    proofs.push(`the anchor of ${a.at} proves entries #1–#${a.seq} (hash ${a.hash.slice(0, 16)}…)`);
  }
  return { ok: true, proofs } satisfies AnchorCheck;
}
