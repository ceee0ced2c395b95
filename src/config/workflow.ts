import { readFile, stat } from 'node:fs/promises';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, errorMessage } from '../domain/errors.js';
import { oversizedEntry, WORKFLOW_LIMITS } from './workflow-limits.js';
import { Workflow } from './workflow-schema.js';

/** Parses and validates a workflow file's text; `source` names the file in every message. */
export function parseWorkflow(text: string, source: string): Workflow {
  if (text.length > WORKFLOW_LIMITS.maxBytes) throw tooBig(source, text.length);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const at = lineCounter.linePos(e.pos[0]);
      return `line ${at.line}:${at.col}: ${e.message.split('\n')[0]}`;
    });
    throw new ConfigError(`${source} is not valid YAML`, problems);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: WORKFLOW_LIMITS.maxAliases });
  } catch (err) {
    throw new ConfigError(`${source} is refused`, [
      `${errorMessage(err)} (at most ${WORKFLOW_LIMITS.maxAliases} aliases)`,
    ]);
  }
  const oversized = oversizedEntry(data);
  if (oversized) throw new ConfigError(`${source} is refused: a list or map is too long`, [oversized]);
  const parsed = Workflow.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => describeIssue(issue, doc, lineCounter));
  throw new ConfigError(`${source} is not a valid workflow`, problems);
}

const tooBig = (source: string, bytes: number) =>
  new ConfigError(`${source} is refused`, [
    `${bytes.toLocaleString('en-US')} bytes: a workflow may be at most ${WORKFLOW_LIMITS.maxBytes.toLocaleString('en-US')} bytes (1 MB)`,
  ]);

export async function loadWorkflow(path: string): Promise<Workflow> {
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > WORKFLOW_LIMITS.maxBytes) throw tooBig(path, size);
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`Cannot read workflow file ${path}`, [errorMessage(err)]);
  }
  return parseWorkflow(text, path);
}

type Doc = ReturnType<typeof parseDocument>;

/**
 * Of a union's branches, the one that got furthest (deepest issue path): its issues say what is
 * wrong far better than "no branch matched".
 */
function closestBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] | null {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return null;
  const depth = (branch: z.core.$ZodIssue[]) => Math.max(...branch.map((i) => i.path.length));
  const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0];
  return best && depth(best) > 0 ? best.map((i) => ({ ...i, path: [...issue.path, ...i.path] })) : null;
}

/** "scope.accounts[1].roleArn (line 7): an IAM role ARN" */
function describeIssue(issue: z.core.$ZodIssue, doc: Doc, lines: LineCounter): string {
  const branch = closestBranch(issue);
  if (branch) return branch.map((i) => describeIssue(i, doc, lines)).join('\n  - ');
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  const at =
    issue.code === 'unrecognized_keys' && issue.keys[0] ? [...issue.path, issue.keys[0]] : issue.path;
  const line = lineOf(at, doc, lines);
  const where = `${path || '(top level)'}${line ? ` (line ${line})` : ''}`;
  return `${where}: ${humanMessage(issue)}`;
}

function lineOf(path: readonly PropertyKey[], doc: Doc, lines: LineCounter): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return null;
}

function humanMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && issue.expected === 'string' && issue.path.at(-1) === 'id') {
    return 'an account id must be quoted ("123456789012"): unquoted, YAML reads it as a number';
  }
  if (issue.code === 'invalid_union')
    return 'expected one of the documented forms (see workflows/example-multi-account.yaml)';
  return issue.message.replace(/^Invalid input: /, '');
}
