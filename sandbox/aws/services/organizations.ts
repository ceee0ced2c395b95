import { z } from 'zod';
import type { JsonAction, JsonCall } from '../context.js';
import { legacyStatusOf } from '../organization.js';
import type { AccountRecord } from '../types.js';
import { ApiError } from '../wire/errors.js';
import { pageOf } from '../wire/tokens.js';

export const PAGING = {
  NextToken: z.string().optional(),
  MaxResults: z.number().int().min(1).max(20).optional(),
};
export const ParentId = z.string().regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/);

/** Parses the body, answering InvalidInputException as Organizations does. */
export function input<T extends z.ZodType>(schema: T, call: JsonCall): z.infer<T> {
  const parsed = schema.safeParse(call.body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(
      'InvalidInputException',
      `You provided a value that does not match the required pattern: ${issue?.path.join('.') ?? ''}`,
    );
  }
  return parsed.data;
}

/** Organizations answers the management account only (the hub here). */
export function requireManagement(call: JsonCall): void {
  if (call.principal.accountId !== call.fleet.hubAccountId) {
    throw new ApiError('AccessDeniedException', "You don't have permissions to access this resource.");
  }
}

export function requireParent(call: JsonCall, parentId: string): void {
  if (!call.fleet.organization.isParent(parentId)) {
    throw new ApiError(
      'ParentNotFoundException',
      "We can't find a root or OU with the ParentId that you specified.",
    );
  }
}

export const arnOf = (call: JsonCall, kind: string, id: string): string =>
  `arn:aws:organizations::${call.fleet.hubAccountId}:${kind}/${call.fleet.organization.id}/${id}`;

/** One account as ListAccounts tells it; which of State and Status it carries depends on the era. */
function accountJson(call: JsonCall, a: AccountRecord) {
  const fields = call.fleet.organization.accountStateFields;
  return {
    Id: a.id,
    Arn: arnOf(call, 'account', a.id),
    Email: a.email,
    Name: a.name,
    ...(fields === 'State' || fields === 'State+Status' ? { State: a.state } : {}),
    ...(fields === 'Status' || fields === 'State+Status' ? { Status: legacyStatusOf(a.state) } : {}),
    JoinedMethod: a.id === call.fleet.hubAccountId ? 'CREATED' : 'INVITED',
    JoinedTimestamp: a.joinedAt / 1000,
  };
}

function accountPage(call: JsonCall, accounts: AccountRecord[], fingerprint: string, p: Paging) {
  const page = pageOf(accounts, p.NextToken, fingerprint, p.MaxResults ?? 20, 'InvalidInputException');
  return {
    Accounts: page.items.map((a) => accountJson(call, a)),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
}

type Paging = { NextToken?: string | undefined; MaxResults?: number | undefined };

const listAccounts: JsonAction = (call) => {
  const p = input(z.object(PAGING), call);
  requireManagement(call);
  return accountPage(call, call.fleet.accounts(), 'ListAccounts', p);
};

const listAccountsForParent: JsonAction = (call) => {
  const p = input(z.object({ ParentId, ...PAGING }), call);
  requireManagement(call);
  requireParent(call, p.ParentId);
  const inParent = call.fleet.accounts().filter((a) => a.parentId === p.ParentId);
  return accountPage(call, inParent, `ListAccountsForParent:${p.ParentId}`, p);
};

const listChildren: JsonAction = (call) => {
  const p = input(
    z.object({ ParentId, ChildType: z.enum(['ACCOUNT', 'ORGANIZATIONAL_UNIT']), ...PAGING }),
    call,
  );
  requireManagement(call);
  requireParent(call, p.ParentId);
  const children =
    p.ChildType === 'ACCOUNT'
      ? call.fleet.accounts().flatMap((a) => (a.parentId === p.ParentId ? [a.id] : []))
      : call.fleet.organization.childOus(p.ParentId).map((o) => o.id);
  const fingerprint = `ListChildren:${p.ParentId}:${p.ChildType}`;
  const page = pageOf(children, p.NextToken, fingerprint, p.MaxResults ?? 20, 'InvalidInputException');
  return {
    Children: page.items.map((Id) => ({ Id, Type: p.ChildType })),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

const listRoots: JsonAction = (call) => {
  input(z.object(PAGING), call);
  requireManagement(call);
  const { rootId } = call.fleet.organization;
  return { Roots: [{ Id: rootId, Arn: arnOf(call, 'root', rootId), Name: 'Root', PolicyTypes: [] }] };
};

/** Tags of an account (the only taggable resource the emulator has). */
const listTagsForResource: JsonAction = (call) => {
  const p = input(z.object({ ResourceId: z.string().min(1), NextToken: z.string().optional() }), call);
  requireManagement(call);
  const account = call.fleet.account(p.ResourceId);
  if (!account)
    throw new ApiError(
      'TargetNotFoundException',
      "We can't find a target with the TargetId that you specified.",
    );
  const tags = Object.entries(account.tags).map(([Key, Value]) => ({ Key, Value }));
  const page = pageOf(tags, p.NextToken, `ListTagsForResource:${p.ResourceId}`, 20, 'InvalidInputException');
  return { Tags: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
};

const describeOrganization: JsonAction = (call) => {
  requireManagement(call);
  const hub = call.fleet.account(call.fleet.hubAccountId);
  return {
    Organization: {
      Id: call.fleet.organization.id,
      Arn: `arn:aws:organizations::${call.fleet.hubAccountId}:organization/${call.fleet.organization.id}`,
      FeatureSet: 'ALL',
      MasterAccountArn: arnOf(call, 'account', call.fleet.hubAccountId),
      MasterAccountId: call.fleet.hubAccountId,
      MasterAccountEmail: hub?.email,
      AvailablePolicyTypes: [],
    },
  };
};

export const organizationsActions: Record<string, JsonAction> = {
  DescribeOrganization: describeOrganization,
  ListAccounts: listAccounts,
  ListAccountsForParent: listAccountsForParent,
  ListChildren: listChildren,
  ListRoots: listRoots,
  ListTagsForResource: listTagsForResource,
};
