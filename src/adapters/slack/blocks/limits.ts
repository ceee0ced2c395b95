import { LIMITS, serializedLength } from './common.js';

/**
 * A guard before posting: every Block Kit limit a message's blocks break, as one line each. Reads the
 * blocks as plain JSON, so it checks any block, not only the ones our builders make.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const arrayOf = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);
const textOf = (v: unknown): string | null => (isObject(v) && typeof v.text === 'string' ? v.text : null);
const stringOf = (v: unknown): string | null => (typeof v === 'string' ? v : null);

interface Checker {
  problems: string[];
  actionIds: Map<string, number>;
  blockIds: Map<string, number>;
}

const over = (c: Checker, where: string, what: string, length: number | null, max: number): void => {
  if (length !== null && length > max) c.problems.push(`${where}: ${what} is ${length} (max ${max})`);
};

function checkSection(c: Checker, where: string, block: Json): void {
  const text = textOf(block.text);
  over(c, where, 'text length', text?.length ?? null, LIMITS.sectionText);
  if (text !== null && text.length === 0) c.problems.push(`${where}: text is empty`);
  const fields = arrayOf(block.fields);
  over(c, where, 'fields count', fields.length, LIMITS.sectionFields);
  fields.forEach((f, i) => {
    over(c, where, `field ${i} length`, textOf(f)?.length ?? null, LIMITS.fieldText);
  });
  if (text === null && fields.length === 0) c.problems.push(`${where}: section needs text or fields`);
  if (isObject(block.accessory)) checkElement(c, `${where} accessory`, block.accessory);
}

function checkElement(c: Checker, where: string, el: Json): void {
  const actionId = stringOf(el.action_id);
  if (actionId !== null) {
    c.actionIds.set(actionId, (c.actionIds.get(actionId) ?? 0) + 1);
    over(c, where, 'action_id length', actionId.length, LIMITS.actionId);
  }
  if (el.type !== 'button') return;
  const text = textOf(el.text);
  over(c, where, 'button text length', text?.length ?? null, LIMITS.buttonText);
  over(c, where, 'button value length', stringOf(el.value)?.length ?? null, LIMITS.buttonValue);
  over(c, where, 'button url length', stringOf(el.url)?.length ?? null, LIMITS.url);
}

function checkBlock(c: Checker, block: Json, index: number): void {
  const where = `block ${index} (${String(block.type)})`;
  const blockId = stringOf(block.block_id);
  if (blockId !== null) {
    c.blockIds.set(blockId, (c.blockIds.get(blockId) ?? 0) + 1);
    over(c, where, 'block_id length', blockId.length, LIMITS.blockId);
  }
  if (block.type === 'section') checkSection(c, where, block);
  if (block.type === 'header')
    over(c, where, 'text length', textOf(block.text)?.length ?? null, LIMITS.headerText);
  if (block.type === 'context')
    over(c, where, 'elements count', arrayOf(block.elements).length, LIMITS.contextElements);
  if (block.type !== 'actions') return;
  const elements = arrayOf(block.elements);
  over(c, where, 'elements count', elements.length, LIMITS.actionsElements);
  elements.forEach((el, i) => {
    checkElement(c, `${where} element ${i}`, el);
  });
}

const duplicates = (ids: Map<string, number>): string[] =>
  [...ids].filter(([, n]) => n > 1).map(([id]) => id);

/** Every violated limit, one line each; empty when the blocks can be posted. */
export function checkBlockKitLimits(blocks: readonly unknown[]): string[] {
  const c: Checker = { problems: [], actionIds: new Map(), blockIds: new Map() };
  over(c, 'message', 'block count', blocks.length, LIMITS.blocksPerMessage);
  over(c, 'message', 'serialized blocks length', serializedLength(blocks), LIMITS.serializedBlocks);
  blocks.forEach((block, i) => {
    if (isObject(block)) checkBlock(c, block, i);
    else c.problems.push(`block ${i}: not an object`);
  });
  for (const id of duplicates(c.actionIds)) c.problems.push(`message: action_id ${id} is not unique`);
  for (const id of duplicates(c.blockIds)) c.problems.push(`message: block_id ${id} is not unique`);
  return c.problems;
}

/** The notification fallback `text` limit, as a problem list like checkBlockKitLimits. */
export const checkMessageText = (text: string): string[] =>
  text.length > LIMITS.messageText
    ? [`message: text length is ${text.length} (max ${LIMITS.messageText})`]
    : [];
