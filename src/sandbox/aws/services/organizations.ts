import { z } from 'zod';
import type { JsonAction } from '../context.js';
import { ApiError } from '../wire/errors.js';
import { pageOf } from '../wire/tokens.js';

const ListAccountsRequest = z.object({
  NextToken: z.string().optional(),
  MaxResults: z.number().int().min(1).max(20).optional(),
});

/** The organization's accounts, from the hub (management) account only. */
const listAccounts: JsonAction = (call) => {
  const parsed = ListAccountsRequest.safeParse(call.body ?? {});
  if (!parsed.success)
    throw new ApiError('InvalidInputException', 'MaxResults must be an integer from 1 to 20.');
  if (call.principal.accountId !== call.fleet.hubAccountId) {
    throw new ApiError('AccessDeniedException', "You don't have permissions to access this resource.");
  }
  const { NextToken, MaxResults } = parsed.data;
  const accounts = call.fleet.accounts();
  const page = pageOf(accounts, NextToken, 'ListAccounts', MaxResults ?? 20, 'InvalidInputException');
  const org = `o-${call.fleet.hubAccountId.slice(0, 10)}`;
  return {
    Accounts: page.items.map((a) => ({
      Id: a.id,
      Arn: `arn:aws:organizations::${call.fleet.hubAccountId}:account/${org}/${a.id}`,
      Email: a.email,
      Name: a.name,
      Status: a.status,
      State: a.status,
      JoinedMethod: a.id === call.fleet.hubAccountId ? 'CREATED' : 'INVITED',
      JoinedTimestamp: a.joinedAt / 1000,
    })),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

export const organizationsActions: Record<string, JsonAction> = {
  ListAccounts: listAccounts,
};
