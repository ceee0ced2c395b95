/** An AWS tag list as EC2, Auto Scaling and Organizations return it. */
type AwsTags = readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined;

/**
 * An AWS tag list as a key -> value record; entries without a key are dropped, a missing value is ''.
 * Each key is defined as an own data property, as Object.fromEntries does, so a tag named
 * `__proto__` is an own key like any other (a plain assignment would set the object's prototype).
 * A loop, not fromEntries over mapped pairs: a fleet has hundreds of thousands of tags.
 */
export function tagRecord(tags: AwsTags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) {
    if (t.Key === undefined) continue;
    const value = t.Value ?? '';
    if (t.Key === '__proto__')
      Object.defineProperty(out, t.Key, { value, enumerable: true, writable: true, configurable: true });
    else out[t.Key] = value;
  }
  return out;
}
