import type { MethodHandler } from './args.js';
import * as chat from './chat.js';
import * as files from './files.js';
import * as history from './history.js';
import * as misc from './misc.js';
import * as users from './users.js';
import * as views from './views.js';

export type { MethodContext } from './args.js';

/** Which token a method takes: the bot token (xoxb-), the app-level token (xapp-), or either. */
export type TokenKind = 'bot' | 'app';

export interface MethodEntry {
  tokens: readonly TokenKind[];
  handle: MethodHandler;
}

const bot = (handle: MethodHandler): MethodEntry => ({ tokens: ['bot'], handle });

export const METHODS: Readonly<Record<string, MethodEntry>> = {
  'auth.test': { tokens: ['bot', 'app'], handle: misc.authTest },
  'apps.connections.open': { tokens: ['app'], handle: misc.connectionsOpen },
  'chat.postMessage': bot(chat.postMessage),
  'chat.update': bot(chat.update),
  'chat.postEphemeral': bot(chat.postEphemeral),
  'conversations.open': bot(misc.conversationsOpen),
  'conversations.history': bot(history.conversationsHistory),
  'users.lookupByEmail': bot(users.lookupByEmail),
  'users.info': bot(users.info),
  'users.list': bot(users.list),
  'usergroups.users.list': bot(users.usergroupUsers),
  'views.open': bot(views.open),
  'views.update': bot(views.update),
  'views.push': bot(views.push),
  'views.publish': bot(views.publish),
  'files.getUploadURLExternal': bot(files.getUploadURLExternal),
  'files.completeUploadExternal': bot(files.completeUploadExternal),
};
