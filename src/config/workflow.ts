import { readFile } from 'node:fs/promises';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, errorMessage } from '../errors.js';
import { Workflow } from './workflow-schema.js';

export { Workflow } from './workflow-schema.js';

/** Parses and validates a workflow file's text; `source` names the file in every message. */
export function parseWorkflow(text: string, source: string): Workflow {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const at = e.linePos?.[0];
      return `${at ? `line ${at.line}:${at.col}: ` : ''}${e.message.split('\n')[0]}`;
    });
    throw new ConfigError(`${source} is not valid YAML`, problems);
  }
  const parsed = Workflow.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => describeIssue(issue, doc, lineCounter));
  throw new ConfigError(`${source} is not a valid workflow`, problems);
}

export async function loadWorkflow(path: string): Promise<Workflow> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read workflow file ${path}`, [errorMessage(err)]);
  }
  return parseWorkflow(text, path);
}

type Doc = ReturnType<typeof parseDocument>;

/** "scope.accounts[1].roleArn (line 7): expected an IAM role ARN" */
function describeIssue(issue: z.core.$ZodIssue, doc: Doc, lines: LineCounter): string {
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  const line = lineOf(issue.path, doc, lines);
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
  if (issue.code === 'invalid_union') return 'expected one of the documented forms (see workflows/example-multi-account.yaml)';
  return issue.message.replace(/^Invalid input: /, '');
}
