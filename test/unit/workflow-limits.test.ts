import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow, parseWorkflow } from '../../src/config/workflow.js';
import { ConfigError } from '../../src/domain/errors.js';

const HEAD = 'version: 1\nname: big\n';
const account = (i: number) =>
  `    - { id: "${String(i).padStart(12, '0')}", roleArn: "arn:aws:iam::${String(i).padStart(12, '0')}:role/R" }`;

function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('workflow limits', () => {
  it('an alias bomb is refused as a configuration error naming the file', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    ].join('\n');
    const e = refusal(() => parseWorkflow(`${HEAD}${bomb}\n`, 'bomb.yaml'));
    expect(e.message).toMatch(/^bomb\.yaml is refused/);
    expect(e.message).toMatch(/alias/i);
  });

  it('refuses more than 10,000 accounts, naming the list', () => {
    const list = Array.from({ length: 10_001 }, (_, i) => account(i + 1)).join('\n');
    const e = refusal(() =>
      parseWorkflow(`${HEAD}scope:\n  regions: [eu-west-1]\n  accounts:\n${list}\n`, 'w.yaml'),
    );
    expect(e.problems).toEqual(['scope.accounts: 10,001 entries (at most 10,000)']);
  });

  it('refuses more than 1,000 owner tags; 1,000 are fine', () => {
    const tags = (n: number) =>
      `owners:\n  tags: [${Array.from({ length: n }, (_, i) => `t${i}`).join(', ')}]\n`;
    const scope = 'scope:\n  accounts: self\n  regions: [eu-west-1]\n';
    expect(parseWorkflow(`${HEAD}${scope}${tags(1000)}`, 'w.yaml').owners.tags).toHaveLength(1000);
    const e = refusal(() => parseWorkflow(`${HEAD}${scope}${tags(1001)}`, 'w.yaml'));
    expect(e.problems).toEqual(['owners.tags: 1,001 entries (at most 1,000)']);
  });

  it('refuses a file over 1 MB before reading it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'imds-wf-')), 'huge.yaml');
    writeFileSync(file, `${HEAD}# ${'x'.repeat(1024 * 1024)}\n`);
    await expect(loadWorkflow(file)).rejects.toThrow(
      /huge\.yaml is refused:\n {2}- 1,048,\d{3} bytes: a workflow may be at most 1,048,576 bytes/,
    );
  });
});
