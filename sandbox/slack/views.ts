import type { IdMaker } from './ids.js';
import type { StoredView } from './types.js';

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Modals by view id (and external_id) and each user's Home tab. */
export class ViewStore {
  private readonly byId = new Map<string, StoredView>();
  private readonly byExternalId = new Map<string, StoredView>();
  private readonly homes = new Map<string, StoredView>();

  constructor(private readonly ids: IdMaker) {}

  /** Stores a new view (views.open) or a user's Home tab (views.publish, which replaces it). */
  create(raw: Record<string, unknown>, userId: string | undefined): StoredView {
    const view: StoredView = {
      id: this.ids.id('V'),
      type: str(raw.type),
      user_id: userId,
      callback_id: str(raw.callback_id),
      private_metadata: str(raw.private_metadata),
      external_id: str(raw.external_id),
      blocks: Array.isArray(raw.blocks) ? raw.blocks : [],
      hash: this.ids.viewHash(),
      raw,
      updates: 0,
    };
    this.byId.set(view.id, view);
    if (view.external_id) this.byExternalId.set(view.external_id, view);
    return view;
  }

  publishHome(raw: Record<string, unknown>, userId: string): StoredView {
    const previous = this.homes.get(userId);
    const view = previous ? this.replace(previous, raw) : this.create(raw, userId);
    this.homes.set(userId, view);
    return view;
  }

  find(ref: { viewId?: string | undefined; externalId?: string | undefined }): StoredView | undefined {
    if (ref.viewId) return this.byId.get(ref.viewId);
    if (ref.externalId) return this.byExternalId.get(ref.externalId);
    return undefined;
  }

  hasExternalId(externalId: string): boolean {
    return this.byExternalId.has(externalId);
  }

  /** views.update: same id, new content and a new hash. */
  replace(view: StoredView, raw: Record<string, unknown>): StoredView {
    view.type = str(raw.type) || view.type;
    view.callback_id = str(raw.callback_id);
    view.private_metadata = str(raw.private_metadata);
    view.blocks = Array.isArray(raw.blocks) ? raw.blocks : [];
    view.raw = raw;
    view.hash = this.ids.viewHash();
    view.updates += 1;
    return view;
  }

  home(userId: string): StoredView | undefined {
    return this.homes.get(userId);
  }

  all(): StoredView[] {
    return [...this.byId.values()];
  }
}

/** The view object Slack returns from views.open / update / publish. */
export function viewJson(
  view: StoredView,
  teamId: string,
  appId: string,
  botId: string,
): Record<string, unknown> {
  return {
    ...view.raw,
    id: view.id,
    team_id: teamId,
    type: view.type,
    blocks: view.blocks,
    private_metadata: view.private_metadata,
    callback_id: view.callback_id,
    external_id: view.external_id,
    state: { values: {} },
    hash: view.hash,
    clear_on_close: view.raw.clear_on_close === true,
    notify_on_close: view.raw.notify_on_close === true,
    root_view_id: view.id,
    previous_view_id: null,
    app_id: appId,
    bot_id: botId,
  };
}
