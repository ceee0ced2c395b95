import { z } from 'zod';

/**
 * The Refresh buttons of an applied template fix's card: the groups it offers are kept with the
 * request (SlackDeliveryStore.refreshOffers), the buttons carry only `<request id>#<n>` and the click
 * is resolved there (no AWS data in a button value; a forged index finds nothing).
 */

/** Buttons a card shows at most (the rest are offered by command in the thread note). */
export const MAX_REFRESH_BUTTONS = 4;

const VALUE = /^(cr-[0-9a-z-]{1,40})#(\d{1,2})$/;

/** A refresh button's value: the template fix's request id and the offered group's index. */
export const RefreshButtonValue = z
  .string()
  .catch('')
  .transform((v) => {
    const m = VALUE.exec(v);
    return m?.[1] && m[2] ? { requestId: m[1], index: Number(m[2]) } : null;
  });

export const refreshButtonValue = (requestId: string, index: number): string => `${requestId}#${index}`;
