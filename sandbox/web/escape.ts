/**
 * The only way text reaches the page's HTML: everything the bot (or a person, or AWS through the
 * bot) wrote is escaped here, once. Links keep only schemes that cannot run code.
 */

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML text or attribute value: & < > " ' escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML[c] ?? c);
}

/**
 * Slack's own escaping in mrkdwn: a sender writes &amp; &lt; &gt; for & < >. Decoded once, so that
 * `&amp;lt;` shows as the five characters `&lt;`, never as `<`.
 */
export function decodeSlackEntities(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_, name: string) =>
    name === 'lt' ? '<' : name === 'gt' ? '>' : '&',
  );
}

const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/** The URL if it is http(s) or mailto, else null (javascript:, data:, vbscript:, relative …). */
export function safeLinkUrl(url: string): string | null {
  const trimmed = url.trim();
  // browsers ignore tabs and newlines inside a scheme ("java\tscript:"): refuse any control character
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return null;
  try {
    const parsed = new URL(trimmed);
    return SAFE_SCHEMES.has(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

/**
 * An image the page may load: only from the sandbox itself (a path on this origin, such as an
 * uploaded file). The page loads nothing from the internet; other images show as their alt text.
 */
export function localImageUrl(url: string): string | null {
  return /^\/files\/[A-Za-z0-9_-]+(\/[A-Za-z0-9._-]+)?$/.test(url) ? url : null;
}
