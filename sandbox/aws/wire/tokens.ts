import { hash32 } from '../prng.js';
import { ApiError } from './errors.js';

/** Pagination tokens: a position, tied to the query that issued it. */
export function encodeToken(position: number, fingerprint: string): string {
  return Buffer.from(`${position}.${hash32(fingerprint).toString(36)}`).toString('base64url');
}

/** 0 when there is no token; the position otherwise; `code` when it is not one of ours. */
export function decodeToken(token: string | undefined, fingerprint: string, code: string): number {
  if (token === undefined || token === '') return 0;
  const [position, digest] = Buffer.from(token, 'base64url').toString().split('.');
  const value = Number(position);
  if (!Number.isInteger(value) || value < 0 || digest !== hash32(fingerprint).toString(36)) {
    throw new ApiError(code, 'The pagination token is invalid or does not belong to this query.');
  }
  return value;
}

export interface Paged<T> {
  items: T[];
  nextToken: string | null;
}

/** One page of a list computed per request (small lists: templates, groups, accounts). */
export function pageOf<T>(
  all: readonly T[],
  token: string | undefined,
  fingerprint: string,
  pageSize: number,
  code: string,
): Paged<T> {
  const start = decodeToken(token, fingerprint, code);
  const end = Math.min(all.length, start + pageSize);
  return { items: all.slice(start, end), nextToken: end < all.length ? encodeToken(end, fingerprint) : null };
}
