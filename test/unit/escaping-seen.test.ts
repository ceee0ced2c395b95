import { describe, expect, it } from 'vitest';
import { requestCard } from '../../src/adapters/slack/blocks/change-cards.js';
import { buildDigestMessage } from '../../src/adapters/slack/blocks/digest.js';
import { helpText } from '../../src/adapters/slack/commands/help.js';
import { parseCommand } from '../../src/adapters/slack/commands/parse.js';
import { user } from '../../src/adapters/slack/text.js';
import { buildDigests } from '../../src/domain/findings/digest.js';
import { formatTable } from '../../src/report/format.js';
import { newRequest } from '../support/change-requests.js';
import { makeFinding } from '../support/factories.js';
import { liveMarkup } from '../support/markup.js';

/** The cases issue 8 saw, one by one: each failed before the text module. */

const rules = { ids: new Set(['U0OWNER1', 'UALICE']), linkHosts: [] };

describe('what issue 8 saw', () => {
  it('a requester cannot ping the approvers channel through the reason on the card', () => {
    const cr = newRequest({
      requestedBy: { userId: 'U0OWNER1', name: 'o' },
      reason: '<!channel> please look',
    });
    const card = requestCard(cr);
    expect(liveMarkup(card, rules)).toEqual([]);
    expect(JSON.stringify(card.blocks)).toContain('Requested by <@U0OWNER1>: &lt;!channel&gt; please look');
  });

  it('the digest header is plain text without a mention; the mention goes in a section', () => {
    const f = makeFinding({ owner: 'x', readiness: 'ready' });
    const [d] = buildDigests({
      findings: [f],
      ownerKeyOf: () => 'user:U0OWNER1',
      snoozed: new Set(),
      previous: new Map(),
      regressedIds: new Set(),
    });
    if (!d) throw new Error('no digest');
    const m = buildDigestMessage(d, {
      ownerLabel: 'Jane Doe',
      ownerMention: user('U0OWNER1'),
      now: new Date(),
      buttonValue: () => 'v',
    });
    expect(m.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'IMDSv1 digest: Jane Doe' },
    });
    expect(JSON.stringify(m.blocks)).toContain('<@U0OWNER1>');
    expect(m.text).not.toContain('&lt;@');
    expect(liveMarkup(m, rules)).toEqual([]);
  });

  it('help and usage lines show <account-id> instead of having Slack drop it', () => {
    for (const text of [helpText(null), JSON.stringify(parseCommand('fix-default'))]) {
      expect(text).not.toMatch(/<account-id>/);
      expect(liveMarkup({ text }, rules)).toEqual([]);
    }
    expect(helpText(null)).toContain('fix-default &lt;account-id&gt;');
  });

  it('the terminal table strips U+061C and U+2028', () => {
    const f = makeFinding({ name: 'a\u061Cb\u2028c', owner: 'o\u2029x', readiness: 'ready' });
    const out = formatTable({
      scanId: 's',
      workflow: 'w',
      startedAt: 'a',
      finishedAt: 'b',
      firstScan: true,
      mttrSeconds: null,
      summary: {
        instances: 1,
        percentCompliant: 0,
        laggards: 1,
        v1Calls: 0,
        byReadiness: { ready: 1, 'in-use': 0, unknown: 0, compliant: 0, 'imds-disabled': 0 },
        launchTemplates: { total: 0, notEnforcing: 0 },
        accountDefaults: { total: 0, notEnforcing: 0 },
        scopes: { scanned: 1, failed: 0 },
      },
      diff: { new: 0, fixed: 0, regressed: 0, gone: 0 },
      findings: [f],
      launchTemplates: [],
      accountDefaults: [],
      errors: [],
    } as unknown as Parameters<typeof formatTable>[0]);
    expect(out).not.toMatch(/[\u061c\u2028\u2029]/);
  });
});
