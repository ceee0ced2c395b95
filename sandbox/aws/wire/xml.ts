const XML_SPECIAL = /[&<>"']/;
const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  if (!XML_SPECIAL.test(text)) return text;
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c] ?? c);
}

export type XmlValue = string | number | boolean | null | undefined;

/** A minimal XML writer: elements are appended to one string; leaf values are escaped. */
export class XmlWriter {
  private out = '';

  open(tag: string, xmlns?: string): this {
    this.out += xmlns ? `<${tag} xmlns="${escapeXml(xmlns)}">` : `<${tag}>`;
    return this;
  }

  close(tag: string): this {
    this.out += `</${tag}>`;
    return this;
  }

  /** `<tag>value</tag>`; nothing when the value is null or undefined. */
  leaf(tag: string, value: XmlValue): this {
    if (value === null || value === undefined) return this;
    this.out += `<${tag}>${escapeXml(String(value))}</${tag}>`;
    return this;
  }

  text(value: string): this {
    this.out += escapeXml(value);
    return this;
  }

  node(tag: string, body: (w: this) => void): this {
    this.open(tag);
    body(this);
    return this.close(tag);
  }

  /** `<tag><item>..</item>...</tag>`, each item written by `body`. */
  list<T>(tag: string, itemTag: string, items: Iterable<T>, body: (w: this, item: T) => void): this {
    this.open(tag);
    for (const item of items) {
      this.open(itemTag);
      body(this, item);
      this.close(itemTag);
    }
    return this.close(tag);
  }

  toString(): string {
    return this.out;
  }
}

export const isoTime = (ms: number): string => new Date(ms).toISOString();
