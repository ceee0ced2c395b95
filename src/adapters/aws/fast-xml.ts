/**
 * A reader for EC2 Query and AWS Query (queryReader) XML answers that builds only the members a
 * scan uses, in one pass over the text (the SDK's parser builds every element char by char, then
 * maps the whole tree).
 * It reads what the SDK would read, member for member, and gives up (returns null) on anything
 * it does not handle exactly like the SDK: attributes below the root, comments, processing
 * instructions, repeated members, text where the SDK would keep it, a timestamp it does not
 * parse strictly. The caller then lets the SDK's own deserializer read the same bytes, so an
 * odd or broken answer gives the SDK's result or the SDK's error, never one of ours.
 */

export type Field = 'string' | 'number' | 'boolean' | 'date' | Struct | List;
/** xml element name -> [member name in the SDK's output, its field] */
export interface Struct {
  kind: 'struct';
  members: Record<string, readonly [string, Field]>;
}
/**
 * A list: its entries are `entry` elements, `item` in EC2's answers and `member` in AWS Query's
 * (Auto Scaling); other children are ignored, as the SDK does.
 */
export interface List {
  kind: 'list';
  item: Field;
  entry: 'item' | 'member';
}

export function struct(members: Struct['members']): Struct {
  // a repeated member is told apart by the member already being in the output (structBody)
  const names = Object.values(members).map(([name]) => name);
  if (new Set(names).size !== names.length)
    throw new Error(`struct with a member twice: ${names.join(', ')}`);
  return { kind: 'struct', members };
}
/** An EC2 list (`item` entries). */
export const list = (item: Field): List => ({ kind: 'list', item, entry: 'item' });
/** An AWS Query list (`member` entries). */
export const memberList = (item: Field): List => ({ kind: 'list', item, entry: 'member' });

type Value = string | number | boolean | Date | Value[] | { [member: string]: Value };

/** Not handled here: the SDK reads the answer instead. */
class Unhandled extends Error {}
const unhandled = (): never => {
  throw new Unhandled();
};

const LT = 60; // <
const SPACE = /^[ \t\r\n]$/;
const ROOT_ATTRIBUTES = /^(?:[ \t\n]+[\w:.-]+[ \t\n]*=[ \t\n]*(?:"[^"]*"|'[^']*'))*[ \t\n]*$/;
const SLASH = 47; // /
const BANG = 33; // !
const QUESTION = 63; // ?
const GT = 62; // >
const NEWLINE = 10;
/** a tag name we leave to the SDK: attributes (whitespace, quotes) or characters of markup */
const ODD_NAME = /[\s"'=</]/;

/** The SDK's entity decoding (@aws-sdk/xml-builder), kept exactly: unknown names become ''. */
const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#(\d{1,7})|([a-zA-Z][a-zA-Z0-9]{0,30}));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s: string): string =>
  s.indexOf('&') === -1
    ? s
    : s.replace(ENTITY, (_, hex?: string, dec?: string, named?: string) => {
        if (hex) return String.fromCharCode(Number.parseInt(hex, 16));
        if (dec) return String.fromCharCode(Number.parseInt(dec, 10));
        return NAMED[named ?? ''] ?? '';
      });

/** The SDK drops text that is only whitespace with a line break in it, and keeps any other text. */
const ignorable = (text: string): boolean => text.trim() === '' && text.includes('\n');

/** EC2's date-time, as the SDK parses it strictly; anything else is left to the SDK. */
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?Z$/;
function dateOf(text: string): Date {
  if (!DATE_TIME.test(text)) unhandled();
  const d = new Date(text);
  // no roll-over (2026-02-30 is refused by the SDK, not moved to March): the date reads back as
  // written, field by field (the digits are known to be there)
  const at = (i: number, len: number) => {
    let v = 0;
    for (let k = i; k < i + len; k++) v = v * 10 + text.charCodeAt(k) - 48;
    return v;
  };
  const same =
    d.getUTCFullYear() === at(0, 4) &&
    d.getUTCMonth() + 1 === at(5, 2) &&
    d.getUTCDate() === at(8, 2) &&
    d.getUTCHours() === at(11, 2) &&
    d.getUTCMinutes() === at(14, 2) &&
    d.getUTCSeconds() === at(17, 2);
  if (!same) unhandled(); // an invalid date fails too: its fields are NaN
  return d;
}

class Reader {
  private i = 0;
  constructor(private readonly x: string) {}

  /** The root element, which must be `root`; what follows it is ignored, as the SDK does. */
  document(root: string, shape: Struct): Record<string, Value> {
    const x = this.x;
    this.skipSpace();
    if (x.startsWith('<?xml', this.i)) {
      const end = x.indexOf('?>', this.i);
      if (end === -1) unhandled();
      this.i = end + 2;
      this.skipSpace();
    }
    if (!x.startsWith(root, this.i + 1) || x.charCodeAt(this.i) !== LT) unhandled();
    const nameEnd = this.i + 1 + root.length;
    const close = x.indexOf('>', nameEnd);
    if (close === -1) unhandled();
    // attributes of the root (xmlns) are merged by the SDK into the root object, which has no
    // such members: skipped when they are plain name="value" pairs (a '>' in a value is not)
    if (!ROOT_ATTRIBUTES.test(x.slice(nameEnd, close))) unhandled();
    this.i = close + 1;
    return this.structBody(root, shape);
  }

  /** Whitespace as the SDK trims it before the root. */
  private skipSpace(): void {
    while (SPACE.test(this.x.charAt(this.i))) this.i++;
  }

  /** The text up to the next '<', which must be ignorable where a struct or list holds it. */
  private skipText(): void {
    const next = this.x.indexOf('<', this.i);
    if (next === -1) unhandled();
    if (next > this.i && !this.lineBreakSpace(this.i, next) && !ignorable(decode(this.x.slice(this.i, next))))
      unhandled();
    this.i = next;
  }

  /** Only spaces, tabs and line breaks, one line break at least: ignorable, without a copy. */
  private lineBreakSpace(from: number, to: number): boolean {
    let breaks = false;
    for (let j = from; j < to; j++) {
      const c = this.x.charCodeAt(j);
      if (c === NEWLINE) breaks = true;
      else if (c !== 32 && c !== 9) return false;
    }
    return breaks;
  }

  /** the name of the tag openTag read last, and whether it closed itself */
  private tag = '';
  private empty = false;

  /**
   * At '<': reads an opening tag into `tag` and `empty` and returns true, or returns false at a
   * closing tag (left unread). Attributes, comments, CDATA and instructions are not handled here.
   */
  private openTag(): boolean {
    const x = this.x;
    const c = x.charCodeAt(this.i + 1);
    if (c === SLASH) return false;
    if (c === BANG || c === QUESTION) unhandled();
    const end = x.indexOf('>', this.i);
    if (end === -1) unhandled();
    const empty = x.charCodeAt(end - 1) === SLASH;
    const name = x.slice(this.i + 1, empty ? end - 1 : end);
    // attributes (whitespace, quotes), odd names, and names that would be special to the SDK's tree
    if (name === '' || ODD_NAME.test(name) || name === '#text' || name === '__proto__') unhandled();
    this.i = end + 1;
    this.tag = name;
    this.empty = empty;
    return true;
  }

  /** At '</': the closing tag of `name` (the SDK trims the name). */
  private closeTag(name: string): void {
    const x = this.x;
    const plain = this.i + 2 + name.length; // `</name>`, the usual spelling, read without a copy
    if (x.charCodeAt(plain) === GT && x.startsWith(name, this.i + 2)) {
      this.i = plain + 1;
      return;
    }
    const end = x.indexOf('>', this.i);
    if (end === -1 || x.slice(this.i + 2, end).trim() !== name) unhandled();
    this.i = end + 1;
  }

  private structBody(name: string, shape: Struct): Record<string, Value> {
    const out: Record<string, Value> = {};
    for (;;) {
      this.skipText();
      if (!this.openTag()) break;
      const { tag, empty } = this;
      const member = Object.hasOwn(shape.members, tag) ? shape.members[tag] : undefined;
      if (member === undefined) {
        if (!empty) this.skipElement(tag);
        continue;
      }
      // the SDK would turn a repeated member into a list (struct() keeps member names distinct)
      if (Object.hasOwn(out, member[0])) unhandled();
      out[member[0]] = this.value(tag, empty, member[1]);
    }
    this.closeTag(name);
    return out;
  }

  private listBody(name: string, shape: List): Value[] {
    const out: Value[] = [];
    for (;;) {
      this.skipText();
      if (!this.openTag()) break;
      const { tag, empty } = this;
      if (tag !== shape.entry) {
        if (!empty) this.skipElement(tag);
        continue;
      }
      out.push(this.value(tag, empty, shape.item));
    }
    this.closeTag(name);
    return out;
  }

  private value(name: string, empty: boolean, field: Field): Value {
    if (typeof field === 'object') {
      if (empty) return field.kind === 'list' ? [] : {};
      return field.kind === 'list' ? this.listBody(name, field) : this.structBody(name, field);
    }
    const text = empty ? '' : this.text(name);
    if (field === 'string') return text;
    if (field === 'number') return Number(text);
    // as the SDK reads a boolean member
    if (field === 'boolean') return text.toLowerCase() === 'true';
    return dateOf(text);
  }

  /** Text content: character data and CDATA sections; an element inside is not handled. */
  private text(name: string): string {
    const x = this.x;
    let text = '';
    for (;;) {
      const next = x.indexOf('<', this.i);
      if (next === -1) unhandled();
      if (next > this.i) text += decode(x.slice(this.i, next));
      this.i = next;
      if (x.startsWith('<![CDATA[', next)) {
        const end = x.indexOf(']]>', next + 9);
        if (end === -1) unhandled();
        text += x.slice(next + 9, end);
        this.i = end + 3;
        continue;
      }
      if (x.charCodeAt(next + 1) !== SLASH) unhandled();
      this.closeTag(name);
      return ignorable(text) ? '' : text;
    }
  }

  /** Past the end of an element we do not read, checking that its tags match as the SDK does. */
  private skipElement(name: string): void {
    const x = this.x;
    const open = [name];
    while (open.length > 0) {
      const next = x.indexOf('<', this.i);
      if (next === -1) unhandled();
      this.i = next;
      if (x.startsWith('<![CDATA[', next)) {
        const end = x.indexOf(']]>', next + 9);
        if (end === -1) unhandled();
        this.i = end + 3;
        continue;
      }
      if (!this.openTag()) this.closeTag(open.pop() as string);
      else if (!this.empty) open.push(this.tag);
    }
  }
}

/**
 * Reads `xml` whose root element is `root` into the members `shape` names, shaped like the SDK's
 * output; null when the text is anything this reader does not handle exactly as the SDK would.
 */
export function readXml(xml: string, root: string, shape: Struct): Record<string, Value> | null {
  const text = xml.indexOf('\r') === -1 ? xml : xml.replace(/\r\n?/g, '\n');
  try {
    return new Reader(text).document(root, shape);
  } catch (err) {
    if (err instanceof Unhandled) return null;
    throw err;
  }
}

/** A reader of one operation's 2xx answer: null when it does not handle the text. */
export type BodyReader = (text: string) => Record<string, unknown> | null;

/** Reads an EC2 answer: `<ActionResponse>` holds the members. */
export const ec2Reader =
  (action: string, shape: Struct): BodyReader =>
  (xml) =>
    readXml(xml, `${action}Response`, shape);

/** The member of the wrapping struct that holds a Query answer's `<Action>Result` element. */
const RESULT = 'result';

/**
 * Reads an AWS Query answer (Auto Scaling): `<ActionResponse><ActionResult>…</ActionResult>
 * <ResponseMetadata/></ActionResponse>`. The SDK (AwsQueryProtocol) reads the members of the
 * `ActionResult` element only, and none when it is absent; null as readXml. The wrapping shape is
 * built once, not per answer.
 */
export function queryReader(action: string, shape: Struct): BodyReader {
  const root = `${action}Response`;
  const wrapped = struct({ [`${action}Result`]: [RESULT, shape] });
  return (xml) => {
    const out = readXml(xml, root, wrapped);
    if (out === null) return null;
    return (out[RESULT] as Record<string, Value> | undefined) ?? {};
  };
}
