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
