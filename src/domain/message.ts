/**
 * What a use case says to a person, not yet rendered: a `say` template keeps the bot's literal words
 * apart from the values in them (ids, reasons, AWS fields), and a few tokens (code, a user, a link).
 * Nothing here escapes: the Slack adapter renders a Message through src/adapters/slack/text.ts, which
 * escapes every value exactly once at the edge, as it does for the text the adapters build.
 */

export type Message =
  | { readonly kind: 'say'; readonly literals: readonly string[]; readonly values: readonly Piece[] }
  | { readonly kind: 'code'; readonly value: string }
  | { readonly kind: 'user'; readonly id: string }
  | { readonly kind: 'link'; readonly url: string; readonly label: string }
  | { readonly kind: 'lines'; readonly parts: readonly Piece[] }
  /** a before / after state of a change, as a short line people read ("HttpTokens optional, hop limit 1") */
  | { readonly kind: 'state'; readonly state: Readonly<Record<string, unknown>> | null }
  /** text the domain already made safe with untrusted.ts `esc` (policy and transition messages) */
  | { readonly kind: 'escaped'; readonly text: string };

/** A value in a message: a string or number is data (escaped when rendered), a Message is kept as built. */
export type Piece = Message | string | number;

/** A message from a template: the literal parts are the bot's, every value is data. */
export const say = (strings: TemplateStringsArray, ...values: Piece[]): Message => ({
  kind: 'say',
  literals: [...strings],
  values,
});

/** Inline code: a value shown verbatim. */
export const code = (value: string): Message => ({ kind: 'code', value });
/** A mention of a Slack user id (anything else is shown as text). */
export const user = (id: string): Message => ({ kind: 'user', id });
/** A link the bot builds from ids it stored; the label is data. */
export const link = (url: string, label: string): Message => ({ kind: 'link', url, label });
/** One line each; null, false and undefined parts (and empty ones, when rendered) are left out. */
export const lines = (...parts: (Piece | null | false | undefined)[]): Message => ({
  kind: 'lines',
  parts: parts.filter((p): p is Piece => p !== null && p !== false && p !== undefined),
});
/** A change's state as people read it, never raw JSON. */
export const state = (s: Readonly<Record<string, unknown>> | null): Message => ({ kind: 'state', state: s });
/** Text a domain function already escaped (policy reasons): rendered as it is. */
export const escaped = (text: string): Message => ({ kind: 'escaped', text });
/** Nothing: for an optional part of a template. */
export const nothing: Message = say``;
