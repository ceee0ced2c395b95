import type { ActionsBlock, Button, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { type Block, LIMITS } from '../../src/adapters/slack/blocks/common.js';
import {
  buildDigestMessage,
  type DigestMessage,
  type DigestMessageContext,
} from '../../src/adapters/slack/blocks/digest.js';
import { consoleUrl } from '../../src/adapters/slack/blocks/instance.js';
import { checkBlockKitLimits, checkMessageText } from '../../src/adapters/slack/blocks/limits.js';
import { clip as truncate } from '../../src/adapters/slack/text.js';
import { buildDigests, type OwnerDigest } from '../../src/domain/findings/digest.js';
import type { Finding } from '../../src/domain/findings/model.js';
import { type FindingOverrides, makeFinding, makeUsage } from '../support/factories.js';

const NOW = new Date('2025-06-15T12:00:00.000Z');
const hexId = (i: number): string => `i-${i.toString(16).padStart(17, '0')}`;

const values = new Map<string, string>();
const ctx = (over: Partial<DigestMessageContext> = {}): DigestMessageContext => ({
  ownerLabel: 'team-payments',
  now: NOW,
  buttonValue: (f, action) => {
    const key = `${f.instanceId}/${action}`;
    const value = values.get(key) ?? `opaque-${values.size}`;
    values.set(key, value);
    return value;
  },
  ...over,
});

const finding = (i: number, over: FindingOverrides = {}): Finding =>
  makeFinding({ instanceId: hexId(i), name: `web-${i}`, owner: 'team-payments', ...over });

const digestOf = (findings: Finding[], owner = 'team-payments'): OwnerDigest => {
  const [d] = buildDigests({
    findings,
    ownerKeyOf: (f) => f.owner ?? '',
    snoozed: new Set(),
    previous: new Map([[owner, 'previous']]),
    regressedIds: new Set(),
  });
  if (d === undefined) throw new Error('no digest');
  return d;
};

const many = (n: number, over: (i: number) => FindingOverrides = () => ({})): Finding[] =>
  Array.from({ length: n }, (_, i) => finding(i + 1, over(i)));

const sections = (m: DigestMessage): string[] =>
  m.blocks.flatMap((b) => (b.type === 'section' && b.text !== undefined ? [b.text.text] : []));
const actions = (m: DigestMessage): ActionsBlock[] =>
  m.blocks.filter((b): b is ActionsBlock => b.type === 'actions');
const shownIds = (m: DigestMessage): string[] =>
  sections(m).flatMap((t) => [...t.matchAll(/`(i-[0-9a-f]+)`/g)].map((x) => x[1] ?? ''));
const expectValid = (m: DigestMessage): void => {
  expect(checkBlockKitLimits(m.blocks)).toEqual([]);
  expect(checkMessageText(m.text)).toEqual([]);
};

/** The most laggards of one shape that fit with none left over. */
const capacity = (make: (n: number) => Finding[]): number => {
  let n = 1;
  while (buildDigestMessage(digestOf(make(n + 1)), ctx()).overflow.length === 0) n++;
  return n;
};

describe('buildDigestMessage', () => {
  it('says all clear with 0 laggards', () => {
    const m = buildDigestMessage(
      digestOf([makeFinding({ owner: 'team-payments', readiness: 'compliant' })]),
      ctx(),
    );

    expectValid(m);
    expect(m.overflow).toEqual([]);
    expect(m.text).toBe('IMDSv1 digest for team-payments: nothing to do.');
    expect(m.blocks.map((b) => b.type)).toEqual(['header', 'section']);
    expect(sections(m)).toEqual([':tada: None of your instances accept IMDSv1 any more.']);
  });

  it('shows 1 laggard with its details, opaque button values and a console link', () => {
    const f = finding(1, { accountId: '210987654321', region: 'us-east-2' });

    const m = buildDigestMessage(digestOf([f]), ctx());

    expectValid(m);
    expect(m.overflow).toEqual([]);
    expect(m.text).toBe(
      'IMDSv1 digest for team-payments: 1 instance still accept IMDSv1 (1 ready to enforce, 0 still using IMDSv1, 0 with no usage data).',
    );
    expect(m.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'actions']);
    expect(sections(m)[2]).toBe(
      `*web-1*  \`${f.instanceId}\`\nAccount \`210987654321\` · us-east-2 · Ready to enforce`,
    );
    const buttons = actions(m)[0]?.elements as Button[];
    expect(buttons.map((b) => [b.text.text, b.style, b.value, b.action_id])).toEqual([
      ['Enforce', 'primary', values.get(`${f.instanceId}/enforce`), 'imds_enforce_0'],
      ['Snooze', undefined, values.get(`${f.instanceId}/snooze`), 'imds_snooze_0'],
      ['Acknowledge', undefined, values.get(`${f.instanceId}/ack`), 'imds_ack_0'],
      ['View in console', undefined, undefined, 'imds_console_0'],
    ]);
    expect(buttons.every((b) => b.value === undefined || /^opaque-\d+$/.test(b.value))).toBe(true);
    expect(buttons[3]?.url).toBe(
      `https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2#InstanceDetails:instanceId=${f.instanceId}`,
    );
  });

  it('describes usage, risk, the launch template, the container host and a regression', () => {
    const f = finding(7, {
      readiness: 'in-use',
      usage: makeUsage({ noTokenCalls: 12345, lastSeen: '2025-06-15T09:00:00.000Z' }),
      risk: { prod: true, publicIp: true, containerHost: 'eks' },
      asg: 'web-asg',
      launchTemplate: { id: 'lt-0abc', version: '3' },
      templateRisk: 'asg-unfixed-template',
      hopLimit: 1,
    });
    const d = { ...digestOf([f]), regressedIds: [f.instanceId], hasRegression: true };

    const m = buildDigestMessage(d, ctx());

    expectValid(m);
    expect(sections(m)[2]).toBe(
      [
        `*web-7*  \`${f.instanceId}\``,
        'Account `123456789012` · eu-west-1 · Still using IMDSv1',
        '12,345 IMDSv1 calls in the window, last seen 3 h ago',
        `:wrench: Fix in Terraform (or CloudFormation, AWS CDK): \`aws_launch_template\` \`metadata_options { http_tokens = "required", http_put_response_hop_limit = 2 }\` · SDK and agent versions: \`/imds status ${f.instanceId}\``,
        'Risk: production · public IP',
        ':warning: ASG `web-asg`: next replacement undoes a fix: fix the launch template `lt-0abc`',
        ':warning: EKS container host with hop limit 1: set it to 2 before enforcing, or containers lose IMDS',
        ':rewind: Regressed: it required IMDSv2 at the previous scan',
      ].join('\n'),
    );
    expect(sections(m)[0]).toContain(
      `:rotating_light: *1 instance* changed back to optional since the last scan: \`${f.instanceId}\``,
    );
  });

  it('says a new launch with IMDSv1 allowed apart from an instance changed back to optional', () => {
    const [a, b, c] = [finding(1), finding(2), finding(3)];
    if (!a || !b || !c) throw new Error('findings');
    const ids = [a.instanceId, b.instanceId, c.instanceId];
    const d = {
      ...digestOf([a, b, c]),
      regressedIds: ids,
      launchedIds: [a.instanceId, b.instanceId],
      hasRegression: true,
    };

    const head = sections(buildDigestMessage(d, ctx()))[0] ?? '';

    expect(head).toContain(
      `:rotating_light: *2 new launches* with IMDSv1 allowed: \`${a.instanceId}\`, \`${b.instanceId}\``,
    );
    expect(head).toContain(
      `:rotating_light: *1 instance* changed back to optional since the last scan: \`${c.instanceId}\``,
    );
    expect(head).not.toContain('regression');
  });

  it('fits exactly as many as fit, and puts 1 more in overflow with a closing line', () => {
    const c = capacity((n) => many(n));

    const exact = buildDigestMessage(digestOf(many(c)), ctx());
    const plusOne = buildDigestMessage(digestOf(many(c + 1)), ctx());

    expect(c).toBeGreaterThanOrEqual(5);
    expectValid(exact);
    expectValid(plusOne);
    expect(exact.overflow).toEqual([]);
    expect(shownIds(exact)).toHaveLength(c);
    expect(plusOne.overflow.length).toBeGreaterThanOrEqual(1);
    expect(shownIds(plusOne).length + plusOne.overflow.length).toBe(c + 1);
    expect(plusOne.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `…and ${plusOne.overflow.length} more: see App Home or \`/imds report\`` },
      ],
    });
  });

  it('handles 5,000 laggards: the most urgent of each group, the rest in overflow', () => {
    const readiness = ['ready', 'in-use', 'unknown'] as const;
    const findings = many(5000, (i) => ({
      readiness: readiness[i % 3] ?? 'ready',
      usage: makeUsage({ noTokenCalls: i % 3 === 1 ? i : 0 }),
      risk: { prod: i === 4998 },
    }));

    const m = buildDigestMessage(digestOf(findings), ctx());

    expectValid(m);
    const shown = shownIds(m);
    expect(shown.length + m.overflow.length).toBe(5000);
    expect(new Set([...shown, ...m.overflow.map((f) => f.instanceId)]).size).toBe(5000);
    expect(shown).toContain(hexId(4999));
    expect(sections(m).some((t) => t.startsWith('*:white_check_mark: Ready to enforce (1,667)*'))).toBe(true);
    expect(
      sections(m).some((t) => t.startsWith('*:hourglass_flowing_sand: Still using IMDSv1 (1,667)*')),
    ).toBe(true);
    expect(sections(m).some((t) => t.startsWith('*:grey_question: No usage data (1,666)*'))).toBe(true);
    expect(JSON.stringify(m.blocks.at(-1))).toContain(
      `…and ${m.overflow.length.toLocaleString('en-US')} more`,
    );
  });

  it.each([
    ['a very long Name', 'n'.repeat(5000)],
    ['a long unicode Name', '👩‍👩‍👧‍👦é日本語'.repeat(400)],
    ['markup in a Name', `<!channel> & <@U123> ${'>'.repeat(3000)}`],
  ])('truncates %s with an ellipsis, whole characters, escaped', (_, name) => {
    const findings = many(60, () => ({ name, asg: name, templateRisk: 'asg-no-template' }));

    const m = buildDigestMessage(digestOf(findings), ctx({ ownerLabel: name }));

    expectValid(m);
    const text = sections(m)[2] ?? '';
    expect(text.split('\n')[0]).toMatch(/^\*.{1,79}…\* {2}`i-[0-9a-f]{17}`$/u);
    expect(JSON.stringify(m.blocks)).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(JSON.stringify(m.blocks.slice(1))).not.toMatch(/<!channel>|<@U123>/);
    expect(m.text).not.toMatch(/<!channel>|<@U123>/);
    expect(m.blocks[0]).toMatchObject({
      type: 'header',
      text: { type: 'plain_text', text: expect.stringMatching(/…$/) },
    });
  });

  it('keeps unicode names intact when they fit', () => {
    const f = finding(1, { name: 'Zürich 🚀 サーバー' });

    const m = buildDigestMessage(digestOf([f]), ctx());

    expectValid(m);
    expect(sections(m)[2]).toContain('*Zürich 🚀 サーバー*');
  });

  it('shows the snoozed count and the earliest wake-up among the owner’s own snoozes', () => {
    const d = { ...digestOf([finding(1)]), snoozedCount: 2, snoozedIds: ['i-0000000a', 'i-0000000b'] };
    const snoozedUntil = new Map([
      ['i-0000000a', '2025-07-01T00:00:00.000Z'],
      ['i-0000000b', '2025-06-20T00:00:00.000Z'],
      ['i-0000000c', '2025-06-16T00:00:00.000Z'],
    ]);

    const m = buildDigestMessage(d, ctx({ snoozedUntil }));

    expectValid(m);
    expect(m.blocks[2]).toEqual({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: ':zzz: 2 instances snoozed; the first wakes up <!date^1750377600^{date_short}|2025-06-20>',
        },
      ],
    });
  });

  it('uses another console when asked', () => {
    const f = finding(1, { region: 'us-gov-west-1' });

    expect(consoleUrl(f, 'https://{region}.console.amazonaws-us-gov.com/')).toBe(
      `https://us-gov-west-1.console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1#InstanceDetails:instanceId=${f.instanceId}`,
    );
  });

  it('never shows one owner another owner’s instance (c7n-mailer issue 10241)', () => {
    const owners = ['alice', 'bob', 'carol'];
    const findings = Array.from({ length: 300 }, (_, i) =>
      makeFinding({
        instanceId: hexId(i + 1),
        owner: owners[i % 3] ?? '',
        readiness: i % 2 ? 'ready' : 'unknown',
      }),
    );
    const digests = buildDigests({
      findings,
      ownerKeyOf: (f) => f.owner ?? '',
      snoozed: new Set(),
      previous: new Map(),
      regressedIds: new Set([hexId(1), hexId(2), hexId(3)]),
    });

    const messages = digests.map((d) => ({
      owner: d.ownerKey,
      m: buildDigestMessage(d, ctx({ ownerLabel: d.ownerKey })),
    }));

    expect(messages.map((x) => x.owner)).toEqual(owners);
    for (const { owner, m } of messages) {
      expectValid(m);
      const everything = JSON.stringify(m) + m.overflow.map((f) => f.instanceId).join(' ');
      const mentioned = new Set(everything.match(/i-[0-9a-f]{17}/g));
      const mine = new Set(findings.filter((f) => f.owner === owner).map((f) => f.instanceId));
      expect([...mentioned].filter((id) => !mine.has(id))).toEqual([]);
      expect(m.overflow.every((f) => f.owner === owner)).toBe(true);
    }
  });
});

describe('checkBlockKitLimits', () => {
  const section = (text: string): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const btn = (n: number, over: Partial<Button> = {}): Button => ({
    type: 'button',
    text: { type: 'plain_text', text: 'Go' },
    action_id: `a${n}`,
    ...over,
  });

  it.each<[string, Block[], string]>([
    ['too many blocks', Array.from({ length: 51 }, () => section('x')), 'block count is 51 (max 50)'],
    [
      'too many characters',
      Array.from({ length: 5 }, () => section('x'.repeat(2900))),
      'serialized blocks length',
    ],
    ['long section text', [section('x'.repeat(3001))], 'text length is 3001 (max 3000)'],
    ['empty section text', [section('')], 'text is empty'],
    [
      'too many fields',
      [
        {
          type: 'section',
          fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn' as const, text: 'f' })),
        },
      ],
      'fields count is 11 (max 10)',
    ],
    [
      'too many elements',
      [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => btn(i)) }],
      'elements count is 26',
    ],
    [
      'long button text',
      [{ type: 'actions', elements: [btn(1, { text: { type: 'plain_text', text: 'b'.repeat(76) } })] }],
      'button text length is 76',
    ],
    [
      'long button value',
      [{ type: 'actions', elements: [btn(1, { value: 'v'.repeat(2001) })] }],
      'button value length is 2001',
    ],
    ['duplicate action_id', [{ type: 'actions', elements: [btn(1), btn(1)] }], 'action_id a1 is not unique'],
    [
      'long header',
      [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      'text length is 151 (max 150)',
    ],
    [
      'duplicate block_id',
      [
        { ...section('a'), block_id: 'b' },
        { ...section('b'), block_id: 'b' },
      ],
      'block_id b is not unique',
    ],
  ])('reports %s', (_, blocks, problem) => {
    expect(checkBlockKitLimits(blocks)).toEqual(expect.arrayContaining([expect.stringContaining(problem)]));
  });

  it('accepts blocks at the limits', () => {
    const blocks: Block[] = [
      section('x'.repeat(LIMITS.sectionText)),
      {
        type: 'actions',
        elements: Array.from({ length: 25 }, (_, i) =>
          btn(i, { text: { type: 'plain_text', text: truncate('b'.repeat(99), 75) } }),
        ),
      },
      ...Array.from({ length: 48 }, () => section('y')),
    ];

    expect(checkBlockKitLimits(blocks)).toEqual([]);
  });

  it('reports a fallback text over 4,000 characters', () => {
    expect(checkMessageText('t'.repeat(4001))).toEqual(['message: text length is 4001 (max 4000)']);
  });
});
