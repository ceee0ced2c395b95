import { describe, expect, it } from 'vitest';
import { countDiff, diffSnapshots, ScopeDiff } from '../../src/domain/findings/diff.js';
import type { AccountDefault, Readiness } from '../../src/domain/findings/model.js';
import { makeAccountDefault, makeFinding, makeLaunchTemplate, makeSnapshot } from '../support/factories.js';

const finding = (instanceId: string, readiness: Readiness) => makeFinding({ instanceId, readiness });

describe('diffSnapshots: instances', () => {
  it('reports every current laggard as new on the first scan, and nothing else', () => {
    const curr = makeSnapshot({
      findings: [finding('i-1', 'ready'), finding('i-2', 'compliant'), finding('i-3', 'unknown')],
      accountDefault: makeAccountDefault({ httpTokens: 'optional' }),
      launchTemplates: [makeLaunchTemplate({ httpTokens: 'optional' })],
    });

    const diff = diffSnapshots(null, curr);

    expect(diff).toEqual({
      firstScan: true,
      newLaggards: [curr.findings[0], curr.findings[2]],
      fixed: [],
      regressed: [],
      gone: [],
      regressedTemplates: [],
      accountDefaultRegressed: false,
    });
  });

  it.each([
    // before null: the instance was not in the previous snapshot
    { before: null, now: 'ready', category: 'newLaggards' },
    { before: null, now: 'in-use', category: 'newLaggards' },
    { before: null, now: 'unknown', category: 'newLaggards' },
    { before: null, now: 'compliant', category: 'none' },
    { before: null, now: 'imds-disabled', category: 'none' },
    { before: 'ready', now: 'compliant', category: 'fixed' },
    { before: 'in-use', now: 'imds-disabled', category: 'fixed' },
    { before: 'unknown', now: 'compliant', category: 'fixed' },
    { before: 'compliant', now: 'ready', category: 'regressed' },
    { before: 'compliant', now: 'in-use', category: 'regressed' },
    { before: 'imds-disabled', now: 'unknown', category: 'regressed' },
    { before: 'ready', now: 'in-use', category: 'none' },
    { before: 'unknown', now: 'ready', category: 'none' },
    { before: 'compliant', now: 'imds-disabled', category: 'none' },
    { before: 'compliant', now: 'compliant', category: 'none' },
  ] as const)('$before -> $now: $category', ({ before, now, category }) => {
    const prev = makeSnapshot({ findings: before === null ? [] : [finding('i-1', before)] });
    const curr = makeSnapshot({ findings: [finding('i-1', now)] });

    const diff = diffSnapshots(prev, curr);

    const moved = category === 'none' ? {} : { [category]: curr.findings };
    expect({ newLaggards: diff.newLaggards, fixed: diff.fixed, regressed: diff.regressed }).toEqual({
      newLaggards: [],
      fixed: [],
      regressed: [],
      ...moved,
    });
  });

  it('reports instances that disappeared, saying whether they were laggards', () => {
    const prev = makeSnapshot({
      findings: [finding('i-1', 'ready'), finding('i-2', 'compliant'), finding('i-3', 'in-use')],
    });
    const curr = makeSnapshot({ findings: [finding('i-3', 'in-use')] });

    const diff = diffSnapshots(prev, curr);

    expect(diff.gone).toEqual([
      { instanceId: 'i-1', wasLaggard: true },
      { instanceId: 'i-2', wasLaggard: false },
    ]);
  });

  it('sorts a mixed scope into every category at once', () => {
    const prev = makeSnapshot({
      findings: [finding('i-fix', 'in-use'), finding('i-drift', 'compliant'), finding('i-gone', 'ready')],
    });
    const curr = makeSnapshot({
      findings: [finding('i-fix', 'compliant'), finding('i-drift', 'ready'), finding('i-new', 'unknown')],
    });

    const diff = diffSnapshots(prev, curr);

    expect(countDiff(diff)).toEqual({ new: 1, fixed: 1, regressed: 1, gone: 1 });
    expect(diff.firstScan).toBe(false);
  });

  it('produces a value the ScopeDiff schema accepts', () => {
    const diff = diffSnapshots(makeSnapshot({ findings: [finding('i-1', 'ready')] }), makeSnapshot());
    expect(ScopeDiff.parse(diff)).toEqual(diff);
  });
});

describe('diffSnapshots: launch templates', () => {
  const def = (httpTokens: AccountDefault['httpTokens']) => makeAccountDefault({ httpTokens });
  const lt = (httpTokens: 'optional' | 'required' | null) =>
    makeLaunchTemplate({ launchTemplateId: 'lt-1', httpTokens });

  it.each([
    {
      name: 'required -> optional',
      before: lt('required'),
      after: lt('optional'),
      defBefore: null,
      defAfter: null,
      want: true,
    },
    {
      name: 'required -> unset, default optional',
      before: lt('required'),
      after: lt(null),
      defBefore: null,
      defAfter: def('optional'),
      want: true,
    },
    {
      name: 'unset -> unset, default required -> no-preference',
      before: lt(null),
      after: lt(null),
      defBefore: def('required'),
      defAfter: def('no-preference'),
      want: true,
    },
    {
      name: 'unset -> unset, default required -> unreadable',
      before: lt(null),
      after: lt(null),
      defBefore: def('required'),
      defAfter: null,
      want: false,
    },
    {
      name: 'required -> required',
      before: lt('required'),
      after: lt('required'),
      defBefore: null,
      defAfter: null,
      want: false,
    },
    {
      name: 'optional -> optional',
      before: lt('optional'),
      after: lt('optional'),
      defBefore: null,
      defAfter: null,
      want: false,
    },
    {
      name: 'optional -> required',
      before: lt('optional'),
      after: lt('required'),
      defBefore: null,
      defAfter: null,
      want: false,
    },
    {
      name: 'unset -> required, default required before',
      before: lt(null),
      after: lt('required'),
      defBefore: def('required'),
      defAfter: def('optional'),
      want: false,
    },
  ] as const)('$name -> regressed: $want', ({ before, after, defBefore, defAfter, want }) => {
    const prev = makeSnapshot({ launchTemplates: [before], accountDefault: defBefore });
    const curr = makeSnapshot({ launchTemplates: [after], accountDefault: defAfter });

    const diff = diffSnapshots(prev, curr);

    expect(diff.regressedTemplates).toEqual(want ? [after] : []);
  });

  it('ignores templates new in this scan and matches by id, not by name', () => {
    const prev = makeSnapshot({
      launchTemplates: [
        makeLaunchTemplate({ launchTemplateId: 'lt-old', name: 'web', httpTokens: 'required' }),
      ],
    });
    const curr = makeSnapshot({
      launchTemplates: [
        makeLaunchTemplate({ launchTemplateId: 'lt-new', name: 'web', httpTokens: 'optional' }),
      ],
    });

    expect(diffSnapshots(prev, curr).regressedTemplates).toEqual([]);
  });
});

describe('diffSnapshots: account default', () => {
  const def = (httpTokens: AccountDefault['httpTokens']) => makeAccountDefault({ httpTokens });

  it.each([
    { name: 'required -> optional', before: def('required'), after: def('optional'), want: true },
    { name: 'required -> no-preference', before: def('required'), after: def('no-preference'), want: true },
    { name: 'required -> required', before: def('required'), after: def('required'), want: false },
    { name: 'optional -> optional', before: def('optional'), after: def('optional'), want: false },
    { name: 'required -> unreadable', before: def('required'), after: null, want: false },
    { name: 'unreadable -> optional', before: null, after: def('optional'), want: false },
  ] as const)('$name -> $want', ({ before, after, want }) => {
    const diff = diffSnapshots(
      makeSnapshot({ accountDefault: before }),
      makeSnapshot({ accountDefault: after }),
    );
    expect(diff.accountDefaultRegressed).toBe(want);
  });
});

describe('countDiff', () => {
  it('counts an empty diff as zeros', () => {
    expect(countDiff(diffSnapshots(makeSnapshot(), makeSnapshot()))).toEqual({
      new: 0,
      fixed: 0,
      regressed: 0,
      gone: 0,
    });
  });
});
