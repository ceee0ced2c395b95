import type { DigestCard } from '../findings/digest.js';
import type { OwnerRef, OwnerRoute } from '../findings/owner-route.js';

/** Ports of the digest: owner routing, snoozes, fingerprints and delivery. */

/** Owner tag values (email, Slack id, @handle, team) to where their messages go, by owner value. */
export interface OwnerDirectory {
  resolveMany(refs: OwnerRef[]): Promise<Map<string, OwnerRoute>>;
}

export interface ActiveSnoozes {
  /** the snoozes in force at `now`, by instance key */
  active(instanceKeys: string[], now: Date): Promise<Map<string, { instanceId: string }>>;
}

/** ownerKey -> fingerprint of the last digest delivered to that owner (recorded on delivery). */
export interface DigestFingerprints {
  previous(): Promise<Map<string, string>>;
}

/** One person's laggards for their App Home (the digest shows the most urgent, Home the rest). */
export interface OwnerHome {
  userId: string;
  total: number;
  rows: {
    instanceId: string;
    name: string | null;
    accountId: string;
    region: string;
    readiness: string;
    calls: number;
  }[];
}

export interface DigestOutbox {
  /** Renders and queues every card for delivery, at once. */
  deliver(cards: DigestCard[]): Promise<void>;
  saveHomes(homes: OwnerHome[]): Promise<void>;
}
