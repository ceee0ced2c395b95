import { describe, expect, it } from 'vitest';
import { guardrailsView } from '../../src/domain/guardrails/view.js';
import { guardrailsLines } from '../../src/report/guardrails-text.js';
import { makeAccountDefault, makeLaunchTemplate, makeSnapshot } from '../support/factories.js';

describe('guardrailsLines', () => {
  it('names from AWS reach the terminal without their escape sequences; no organization is said so', () => {
    const snap = makeSnapshot({
      accountDefault: makeAccountDefault({ httpTokens: 'optional' }),
      launchTemplates: [makeLaunchTemplate({ name: 'evil\u001b[31mred\u0007', httpTokens: 'optional' })],
    });

    const text = guardrailsLines(guardrailsView([snap], null)).join('\n');

    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
    expect(text).toContain(
      'SCP blocking IMDSv1 launches: not known (the workflow does not scan an organization)',
    );
    expect(text).toContain('fix: /imds fix-default');
    expect(text).toContain('Launch templates allowing IMDSv1: 1');
  });
});
