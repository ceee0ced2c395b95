import type { IdMaker } from './ids.js';
import type { ResponseUrlTarget, ResponseUrlUse } from './types.js';

export type TriggerCheck =
  | 'ok'
  | 'invalid_arguments'
  | 'invalid_trigger_id'
  | 'expired_trigger_id'
  | 'exchanged_trigger_id';

export interface ResponseUrlRecord {
  id: string;
  url: string;
  target: ResponseUrlTarget;
  createdAt: number;
  uses: ResponseUrlUse[];
}

/** Why a response_url refuses a post: Slack answers 404 with these (see response-url.ts). */
export type ResponseUrlRefusal = 'no_such_url' | 'expired_url' | 'used_url';

export interface InteractionSettings {
  triggerTtlMs: number;
  responseUrlTtlMs: number;
  responseUrlMaxUses: number;
}

/** trigger_ids (views.open) and response_urls, with Slack's lifetimes. */
export class Interactions {
  private readonly triggers = new Map<string, { issuedAt: number; exchanged: boolean; user?: string }>();
  private readonly responseUrls = new Map<string, ResponseUrlRecord>();
  private baseUrl = 'http://127.0.0.1:0';

  constructor(
    private readonly ids: IdMaker,
    private readonly now: () => number,
    private readonly settings: InteractionSettings,
  ) {}

  /** Set once the server listens: response URLs point at it. */
  attach(baseUrl: string): void {
    this.baseUrl = baseUrl;
  }

  /** `user`: whose action it came with (a modal opened with it shows on that user's screen). */
  newTriggerId(user?: string): string {
    const id = this.ids.triggerId();
    this.triggers.set(id, { issuedAt: this.now(), exchanged: false, ...(user ? { user } : {}) });
    return id;
  }

  userOfTrigger(triggerId: string): string | undefined {
    return this.triggers.get(triggerId)?.user;
  }

  /** Exchanges a trigger_id: once, within its lifetime. */
  exchangeTrigger(triggerId: string | undefined): TriggerCheck {
    if (!triggerId) return 'invalid_arguments';
    const trigger = this.triggers.get(triggerId);
    if (!trigger) return 'invalid_trigger_id';
    if (this.now() - trigger.issuedAt > this.settings.triggerTtlMs) return 'expired_trigger_id';
    if (trigger.exchanged) return 'exchanged_trigger_id';
    trigger.exchanged = true;
    return 'ok';
  }

  newResponseUrl(target: ResponseUrlTarget = {}): string {
    const id = this.ids.token(32);
    const url = `${this.baseUrl}/response/${id}`;
    this.responseUrls.set(id, { id, url, target, createdAt: this.now(), uses: [] });
    return url;
  }

  responseUrl(idOrUrl: string): ResponseUrlRecord | undefined {
    const id = idOrUrl.slice(idOrUrl.lastIndexOf('/') + 1);
    return this.responseUrls.get(id);
  }

  /** Null when a post may go through; otherwise why it may not. Does not count the use. */
  checkResponseUrl(record: ResponseUrlRecord | undefined): ResponseUrlRefusal | null {
    if (!record) return 'no_such_url';
    if (this.now() - record.createdAt > this.settings.responseUrlTtlMs) return 'expired_url';
    const accepted = record.uses.filter((u) => u.status === 200).length;
    if (accepted >= this.settings.responseUrlMaxUses) return 'used_url';
    return null;
  }

  /** Every use of every response_url (or of one), refused ones included, oldest first. */
  uses(idOrUrl?: string): ResponseUrlUse[] {
    if (idOrUrl !== undefined) return [...(this.responseUrl(idOrUrl)?.uses ?? [])];
    return [...this.responseUrls.values()].flatMap((r) => r.uses).sort((a, b) => a.at - b.at);
  }
}
