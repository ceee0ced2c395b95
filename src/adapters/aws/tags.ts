/** An AWS tag list as EC2, Auto Scaling and Organizations return it. */
type AwsTags = readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined;

/**
 * An AWS tag list as a key -> value record; entries without a key are dropped, a missing value is ''.
 * Built with Object.fromEntries, so a tag named `__proto__` is an own key like any other (an
 * assignment would set the object's prototype instead).
 */
export const tagRecord = (tags: AwsTags): Record<string, string> =>
  Object.fromEntries(
    (tags ?? []).flatMap((t) => (t.Key === undefined ? [] : [[t.Key, t.Value ?? ''] as const])),
  );
