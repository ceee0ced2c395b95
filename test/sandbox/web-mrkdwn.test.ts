import { describe, expect, it } from 'vitest';
import { safeLinkUrl } from '../../sandbox/web/escape.js';
import { type Names, renderMrkdwn, renderTextObject } from '../../sandbox/web/mrkdwn.js';

const names: Names = {
  user: (id) => ({ U0ALICE01: 'alice', U0EVIL001: '<img src=x onerror=alert(1)>' })[id],
  channel: (id) => ({ C0SEC0001: 'imds-security' })[id],
};
const md = (text: string) => renderMrkdwn(text, names);

describe('mrkdwn as the sandbox shows it', () => {
  it.each([
    ['*bold*', '<b>bold</b>'],
    ['_italic_', '<i>italic</i>'],
    ['~gone~', '<s>gone</s>'],
    ['a *b* c _d_ ~e~', 'a <b>b</b> c <i>d</i> <s>e</s>'],
    ['`i-0abc`', '<code>i-0abc</code>'],
    ['```line 1\nline 2```', '<pre>line 1\nline 2</pre>'],
    ['two\nlines', 'two<br>lines'],
    ['&gt; quoted', '<blockquote>quoted</blockquote>'],
    ['imds_cr_approve stays as is', 'imds_cr_approve stays as is'],
    ['2 * 3 * 4', '2 * 3 * 4'],
    [':white_check_mark: done :unknown_code:', '✅ done :unknown_code:'],
    ['*`code` in bold*', '<b><code>code</code> in bold</b>'],
  ])('%s', (source, html) => {
    expect(md(source)).toBe(html);
  });

  it('shows mentions as names: users, channels, groups, @here, dates', () => {
    expect(md('<@U0ALICE01> and <@U0NOBODY>')).toBe(
      '<span class="mention" data-user="U0ALICE01">@alice</span> and <span class="mention" data-user="U0NOBODY">@U0NOBODY</span>',
    );
    expect(md('<#C0SEC0001>')).toBe('<span class="mention channel">#imds-security</span>');
    expect(md('<#C0OTHER01|other>')).toBe('<span class="mention channel">#other</span>');
    expect(md('<!subteam^S0SEC0001|@security>')).toBe('<span class="mention">@security</span>');
    expect(md('<!here>')).toBe('<span class="mention">@here</span>');
    expect(md('<!date^1700000000^{date_short}|Nov 14>')).toBe('<time>2023-11-14 22:13 UTC</time>');
  });

  it('links http(s) and mailto, with their label; everything else is text', () => {
    expect(md('<https://example.com/a?b=1&amp;c=2|the docs>')).toBe(
      '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the docs</a>',
    );
    expect(md('<mailto:a@example.com|mail>')).toContain('href="mailto:a@example.com"');
    for (const url of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<b>',
      'vbscript:x',
      'java\tscript:alert(1)',
    ]) {
      expect(md(`<${url}|click>`)).not.toContain('<a ');
      expect(safeLinkUrl(url)).toBeNull();
    }
    expect(md('<javascript:alert(1)|click me>')).toBe('<span class="refused-link">click me</span>');
  });

  it('escapes hostile text once: nothing the sender wrote becomes markup', () => {
    expect(md('&lt;script&gt;alert(1)&lt;/script&gt;')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    // Slack-escaped `&amp;lt;` shows as the characters &lt; — decoded once, escaped once
    expect(md('&amp;lt;b&amp;gt;')).toBe('&amp;lt;b&amp;gt;');
    expect(md('"quotes" & \'apostrophes\'')).toBe('&quot;quotes&quot; &amp; &#39;apostrophes&#39;');
    expect(md('`<img src=x onerror=alert(1)>`')).toBe('<code>&lt;img src=x onerror=alert(1)&gt;</code>');
    expect(md('<@U0EVIL001>')).toBe(
      '<span class="mention" data-user="U0EVIL001">@&lt;img src=x onerror=alert(1)&gt;</span>',
    );
    expect(md('<https://x.example/"onmouseover="alert(1)|x>')).not.toContain('"onmouseover');
    expect(md('a\u00000\u0000b')).toBe('a0b');
    expect(md('*<img src=x>*')).not.toContain('<img');
  });

  it('plain_text is shown as written, escaped; other objects show nothing', () => {
    expect(renderTextObject({ type: 'plain_text', text: '<b>*not bold*</b> :zzz:' }, names)).toBe(
      '&lt;b&gt;*not bold*&lt;/b&gt; 💤',
    );
    expect(renderTextObject({ type: 'mrkdwn', text: '*b*' }, names)).toBe('<b>b</b>');
    expect(renderTextObject({ type: 'plain_text', text: 42 }, names)).toBe('');
    expect(renderTextObject(null, names)).toBe('');
  });
});
