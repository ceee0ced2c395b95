/** What a change did, as the audit trail and the request record it. */
export type Json = Record<string, string | number | boolean | null>;

export interface Applied {
  before: Json | null;
  after: Json;
  awsRequestId: string | null;
  /** one line for the card's thread */
  note: string;
}

export const asJson = (o: object): Json => JSON.parse(JSON.stringify(o)) as Json;

/** Where the state found just before a change is saved (`<request>` or `<bulk request>:<instance>`). */
export const beforeKey = (ctx: { prefix: string }, id: string) => `${ctx.prefix}:cr-before:${id}`;

export async function recalledBefore(
  ctx: { prefix: string; redis: { get(key: string): Promise<string | null> } },
  id: string,
): Promise<Json | null> {
  const raw = await ctx.redis.get(beforeKey(ctx, id));
  return raw ? (JSON.parse(raw) as Json) : null;
}
