import { describe, expect, it } from 'vitest';
import { renderBlocks, renderConfirm, renderModal, stateValues } from '../../sandbox/web/blocks.js';
import { renderMessage } from '../../sandbox/web/message.js';
import type { Names } from '../../sandbox/web/mrkdwn.js';

const names: Names = { user: (id) => (id === 'U0APPR001' ? 'appr' : undefined), channel: () => undefined };
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const plain = (text: string) => ({ type: 'plain_text', text });
const approve = {
  type: 'button',
  action_id: 'imds_cr_approve',
  value: 'cr-1',
  style: 'primary',
  text: plain('Approve'),
  confirm: {
    title: plain('Sure?'),
    text: mrkdwn('Enforce *i-1*?'),
    confirm: plain('Yes'),
    deny: plain('No'),
  },
};
const snoozeSelect = {
  type: 'static_select',
  action_id: 'imds_snooze',
  placeholder: plain('Snooze…'),
  options: [
    { text: plain('1 week'), value: '7' },
    { text: plain('<b>30 days</b>'), value: '30' },
  ],
};

describe('Block Kit as the sandbox shows it', () => {
  it('header, section text and fields, context, divider', () => {
    const { html } = renderBlocks(
      [
        { type: 'header', text: plain('Your laggards') },
        {
          type: 'section',
          text: mrkdwn('*3* instances'),
          fields: [mrkdwn('*Account*\n4545'), plain('eu-west-1')],
        },
        { type: 'context', elements: [mrkdwn('by <@U0APPR001>'), plain('x')] },
        { type: 'divider' },
      ],
      names,
    );
    expect(html).toBe(
      '<h3 class="bk-header">Your laggards</h3>' +
        '<section class="bk-section"><div class="bk-body"><div class="bk-text"><b>3</b> instances</div>' +
        '<div class="bk-fields"><div class="bk-field"><b>Account</b><br>4545</div><div class="bk-field">eu-west-1</div></div></div></section>' +
        '<div class="bk-context"><span>by <span class="mention" data-user="U0APPR001">@appr</span></span><span>x</span></div>' +
        '<hr class="bk-divider">',
    );
  });

  it('buttons with styles, selects and accessories are registered with their block, in order', () => {
    const { html, elements } = renderBlocks(
      [
        { type: 'section', block_id: 'card', text: mrkdwn('i-1'), accessory: snoozeSelect },
        {
          type: 'actions',
          block_id: 'acts',
          elements: [approve, { type: 'button', action_id: 'deny', text: plain('Deny'), style: 'danger' }],
        },
      ],
      names,
    );
    expect(elements).toEqual([
      { block_id: 'card', element: snoozeSelect },
      { block_id: 'acts', element: approve },
      { block_id: 'acts', element: expect.objectContaining({ action_id: 'deny' }) },
    ]);
    expect(html).toContain(
      '<select class="bk-select" data-el="0"><option value="" disabled selected>Snooze…</option><option value="7">1 week</option><option value="30">&lt;b&gt;30 days&lt;/b&gt;</option></select>',
    );
    expect(html).toContain('<button type="button" class="bk-button primary" data-el="1">Approve</button>');
    expect(html).toContain('<button type="button" class="bk-button danger" data-el="2">Deny</button>');
  });

  it('a confirm dialog: title, mrkdwn text, its own button labels', () => {
    expect(renderConfirm(approve.confirm, names)).toBe(
      '<h3>Sure?</h3><div class="bk-text">Enforce <b>i-1</b>?</div><div class="dialog-buttons"><button type="button" value="deny" class="bk-button">No</button><button type="button" value="confirm" class="bk-button primary">Yes</button></div>',
    );
  });

  it('images load only from the sandbox; others show their alt text', () => {
    const local = renderBlocks(
      [{ type: 'image', image_url: '/files/F1/chart.png', alt_text: 'chart' }],
      names,
    );
    expect(local.html).toContain('<img class="" src="/files/F1/chart.png" alt="chart">');
    const remote = renderBlocks(
      [{ type: 'image', image_url: 'https://tracker.example/p.png', alt_text: 'a "chart"' }],
      names,
    );
    expect(remote.html).not.toContain('<img');
    expect(remote.html).toContain('[a &quot;chart&quot;]');
    const script = renderBlocks([{ type: 'image', image_url: 'javascript:alert(1)', alt_text: 'x' }], names);
    expect(script.html).not.toContain('javascript');
  });

  it('unknown blocks and elements are named, their content not shown', () => {
    const { html } = renderBlocks(
      [{ type: '<script>' }, { type: 'actions', elements: [{ type: 'datepicker' }] }],
      names,
    );
    expect(html).toBe(
      '<div class="bk-unknown">[&lt;script&gt; not shown in the sandbox]</div><div class="bk-actions"><span class="bk-unknown">[datepicker]</span></div>',
    );
  });

  it('a modal: inputs with hints, the errors of a view_submission under their field', () => {
    const view = {
      type: 'modal',
      title: plain('Snooze i-1'),
      submit: plain('Snooze'),
      close: plain('Cancel'),
      blocks: [
        { type: 'section', text: mrkdwn('Why?') },
        {
          type: 'input',
          block_id: 'text',
          label: plain('Reason'),
          hint: plain('at least 10 characters'),
          element: {
            type: 'plain_text_input',
            action_id: 'value',
            multiline: true,
            initial_value: '</textarea><script>',
          },
        },
        {
          type: 'input',
          block_id: 'days',
          optional: true,
          label: plain('For'),
          element: { ...snoozeSelect, initial_option: snoozeSelect.options[1] },
        },
      ],
    };
    const { html, elements } = renderModal(view, { text: 'Say why in <10 words>' }, names);
    expect(html).toContain('<header class="modal-title">Snooze i-1</header>');
    expect(html).toContain(
      '<div class="bk-input has-error" data-block="text"><label>Reason</label><textarea class="bk-text-input" data-input="0" placeholder="">&lt;/textarea&gt;&lt;script&gt;</textarea><div class="bk-hint">at least 10 characters</div><div class="bk-error" role="alert">Say why in &lt;10 words&gt;</div></div>',
    );
    expect(html).toContain('<option value="30" selected>');
    expect(html).toContain('<span class="bk-optional">(optional)</span>');
    expect(html).toContain(
      '<button type="submit" class="bk-button primary" data-modal="submit">Snooze</button>',
    );
    expect(
      stateValues(
        elements,
        new Map([
          [0, 'the agent was upgraded'],
          [1, '7'],
        ]),
      ),
    ).toEqual({
      text: { value: { type: 'plain_text_input', value: 'the agent was upgraded' } },
      days: { imds_snooze: { type: 'static_select', selected_option: snoozeSelect.options[0] } },
    });
  });

  it('a message: author, (edited) after chat.update, its text when it has no blocks, files, replies', () => {
    const { html } = renderMessage(
      {
        channel: 'D1',
        ts: '1700000000.000100',
        text: 'report *ready*',
        blocks: undefined,
        thread_ts: undefined,
        user: 'U0APPR001',
        edits: 2,
        files: [{ id: 'F1', name: 'chart.png', title: 'Chart <1>', url: '/files/F1/chart.png', image: true }],
      },
      names,
      3,
    );
    expect(html).toBe(
      '<article class="message" data-ts="1700000000.000100"><div class="meta"><b>appr</b> <time>22:13</time> <span class="edited">(edited)</span></div>' +
        '<div class="bk-text">report <b>ready</b></div>' +
        '<div class="file"><img src="/files/F1/chart.png" alt="Chart &lt;1&gt;"><a href="/files/F1/chart.png" download>📎 Chart &lt;1&gt;</a></div>' +
        '<button type="button" class="thread-link" data-thread="1700000000.000100">3 replies</button></article>',
    );
  });
});
