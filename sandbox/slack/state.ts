import { Directory } from './directory.js';
import { FileStore } from './files.js';
import { dmIdFor, IdMaker } from './ids.js';
import { Interactions } from './interactions.js';
import { MessageStore } from './messages.js';
import type { FakeSlackSettings, SeedChannel, SeedUser } from './schema.js';
import type {
  ResponseUrlTarget,
  ResponseUrlUse,
  SlackUser,
  StoredEphemeral,
  StoredFile,
  StoredMessage,
  StoredView,
} from './types.js';
import { ViewStore } from './views.js';

/**
 * Everything the fake workspace holds, and the queries tests use:
 * messagesIn(channel), message(channel, ts), homeView(userId), files(), responseUses(url), …
 */
export class SlackState {
  readonly ids: IdMaker;
  readonly directory: Directory;
  readonly messages: MessageStore;
  readonly views: ViewStore;
  readonly fileStore: FileStore;
  readonly interactions: Interactions;
  readonly team: { id: string; name: string; domain: string };
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;

  constructor(settings: FakeSlackSettings, now: () => number) {
    this.ids = new IdMaker(settings.seed, now);
    this.team = { id: settings.teamId, name: settings.teamName, domain: 'fake-workspace' };
    this.botUserId = settings.botUserId;
    this.botId = settings.botId;
    this.appId = settings.appId;
    this.directory = new Directory(settings.teamId);
    this.messages = new MessageStore(this.ids);
    this.views = new ViewStore(this.ids);
    this.fileStore = new FileStore(this.ids);
    this.interactions = new Interactions(this.ids, now, settings);
    for (const user of settings.users) this.directory.addUser(user);
    for (const channel of settings.channels) this.directory.addChannel(channel);
    for (const [id, members] of Object.entries(settings.usergroups)) this.directory.setUsergroup(id, members);
  }

  addUser(seed: SeedUser): SlackUser {
    return this.directory.addUser(seed);
  }

  addChannel(seed: SeedChannel): void {
    this.directory.addChannel(seed);
  }

  setUsergroup(id: string, members: readonly string[]): void {
    this.directory.setUsergroup(id, members);
  }

  /** A trigger_id as Slack puts in a slash command or interaction payload (valid 3 s, once). */
  newTriggerId(): string {
    return this.interactions.newTriggerId();
  }

  /** A response_url (30 minutes, 5 uses); `target` says where its posts land. */
  newResponseUrl(target: ResponseUrlTarget = {}): string {
    return this.interactions.newResponseUrl(target);
  }

  /** Uses of one response_url, or of all of them. */
  responseUses(url?: string): ResponseUrlUse[] {
    return this.interactions.uses(url);
  }

  /** The DM id the fake gives a user (for messagesIn after posting to a U… id). */
  dmIdFor(userId: string): string {
    return dmIdFor(userId);
  }

  messagesIn(channel: string): StoredMessage[] {
    return this.messages.in(channel.startsWith('U') ? dmIdFor(channel) : channel);
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.get(channel.startsWith('U') ? dmIdFor(channel) : channel, ts);
  }

  ephemerals(filter: { channel?: string; user?: string } = {}): StoredEphemeral[] {
    return this.messages.ephemerals(filter);
  }

  homeView(userId: string): StoredView | undefined {
    return this.views.home(userId);
  }

  view(viewId: string): StoredView | undefined {
    return this.views.find({ viewId });
  }

  /** Files whose upload completed, oldest first. */
  files(): StoredFile[] {
    return this.fileStore.completed();
  }
}
