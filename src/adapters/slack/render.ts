import type { Message, Piece } from '../../domain/message.js';
import { stateLine } from './changes-text.js';
import { code, lines, link, type Mrkdwn, md, type Part, trusted, user } from './text.js';

const piece = (p: Piece): Part => (typeof p === 'object' ? render(p) : p);

/**
 * What a use case says (src/domain/message.ts) as mrkdwn, with the builders of text.ts: a `say`
 * template renders exactly as the `md` template with the same parts, every value escaped here, once.
 */
export function render(m: Message): Mrkdwn {
  switch (m.kind) {
    case 'say':
      return md(Object.assign([...m.literals], { raw: m.literals }), ...m.values.map(piece));
    case 'code':
      return code(m.value);
    case 'user':
      return user(m.id);
    case 'link':
      return link(m.url, m.label);
    case 'lines':
      return lines(...m.parts.map(piece));
    case 'state':
      return stateLine(m.state);
    case 'escaped':
      return trusted(m.text);
  }
}
