import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { reportErrors } from '../../src/cli/report.js';

describe('scan errors on stderr', () => {
  it('carry no control, bidi or separator characters from what AWS wrote', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => {
      text += d.toString();
    });
    const hostile = 'denied\x1b[2J\x1b]0;pwned\x07 \u202Egnp.exe\u2028next\u061C';
    reportErrors(
      [
        {
          accountId: '111111111111',
          region: 'eu-west-1',
          stage: 'inventory',
          code: 'X',
          message: hostile,
          partial: false,
        },
        {
          accountId: '111111111111',
          region: 'eu-west-1',
          stage: 'usage',
          code: 'Y',
          message: hostile,
          partial: true,
        },
      ],
      out,
    );
    expect(text).toContain('111111111111/eu-west-1 inventory: denied');
    const unsafe = [...text].filter((ch) => {
      const c = ch.codePointAt(0) ?? 0;
      const control = (c < 0x20 && c !== 0x0a) || c === 0x7f;
      return control || (c >= 0x202a && c <= 0x202e) || c === 0x2028 || c === 0x2029 || c === 0x061c;
    });
    expect(unsafe).toEqual([]);
    expect(text.split('\n').filter((l) => l.includes('denied'))).toHaveLength(2);
  });
});

describe("the CLI's own error line", () => {
  it('carries no escape sequence from the command line or an error message', async () => {
    const { run } = await import('../../src/cli/index.js');
    const err = new PassThrough();
    let text = '';
    err.on('data', (d: Buffer) => {
      text += d.toString();
    });
    const code = await run(['scan', '--format', 'x\x1b]0;pwned\x07\u202Ey'], new PassThrough(), err, {});
    expect(code).toBe(2);
    expect(text).toContain('--format must be one of');
    for (const ch of ['\x1b', '\x07', '\u202e']) expect(text).not.toContain(ch);
  });
});
