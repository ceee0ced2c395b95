import { z } from 'zod';

/**
 * An AWS account id: exactly 12 digits (leading zeros count). The one definition; compose the
 * unanchored `ACCOUNT_ID_DIGITS` into a larger pattern (an ARN, a job id) with `new RegExp`.
 */
export const ACCOUNT_ID_DIGITS = String.raw`\d{12}`;
export const ACCOUNT_ID = new RegExp(`^${ACCOUNT_ID_DIGITS}$`);

export const isAccountId = (s: string): boolean => ACCOUNT_ID.test(s);

export const AccountId = z.string().regex(ACCOUNT_ID, 'a 12-digit AWS account id');
export type AccountId = z.infer<typeof AccountId>;
