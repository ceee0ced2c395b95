import type { ChangeRequest } from '../change/request-schema.js';
import type { Finding } from '../findings/model.js';
import type { Message } from '../message.js';

/** Ports of who hears about a change request: owners and the approval card. */

/** Who owns an instance, as a Slack user id (null: nobody, or a channel). */
export interface Owners {
  userOf(f: Finding): Promise<string | null>;
}

/** Where a request came from: a digest card's thread hears how it goes. */
export type Where = { channelId: string | null; messageTs?: string | null };

export type Progress = {
  done: number;
  total: number;
  failed: number;
  /** shown instead of "done/total" (a refresh's status); done then only orders the card's updates */
  line?: Message;
  /** what the card follows has ended (a refresh): nothing is left to roll back */
  final?: boolean;
};

/** The people told about a request: its approval card, updated in place, and its threads. */
export interface ChangeNotifier {
  /** posts the approval card of a new request with its notes; `where` hears how it goes */
  filed(cr: ChangeRequest, notes: readonly Message[], where: Where): Promise<void>;
  /** every card showing the request updated in place; `threadNote` told in its threads */
  changed(cr: ChangeRequest, threadNote: Message | null, progress?: Progress): Promise<void>;
  /** a link to the request's card, null before it is posted */
  cardLink(requestId: string): Promise<Message | null>;
  /** an applied template fix: its card offers an instance refresh of each group launching it */
  offerRefresh(cr: ChangeRequest, asgNames: readonly string[]): Promise<void>;
}
