import { z } from 'zod';
import { isAccountId } from '../../../domain/account-id.js';
import { code } from '../text.js';

/**
 * Change-control commands beyond the core parser: fixing what keeps IMDSv1 coming back, and
 * bulk enforcement. `null` when the text is not one of them (the core parser takes it).
 */
export const ChangeCommand = z.discriminatedUnion('name', [
  z.object({
    name: z.literal('fix-template'),
    accountId: z.string(),
    region: z.string(),
    launchTemplateId: z.string(),
  }),
  z.object({ name: z.literal('fix-default'), accountId: z.string(), region: z.string() }),
  z.object({ name: z.literal('enforce-ready'), accountId: z.string(), owner: z.string().nullable() }),
]);
export type ChangeCommand = z.infer<typeof ChangeCommand>;

const CHANGE_USAGE = {
  'enforce-ready': 'enforce-ready <account-id> [@owner]',
  'fix-template': 'fix-template <account-id> <region> <lt-id>',
  'fix-default': 'fix-default <account-id> <region>',
} as const;

/** mrkdwn: the change-control lines of `/imds help`. */
export const CHANGE_HELP = [
  `• ${code(`/imds ${CHANGE_USAGE['enforce-ready']}`).text}: one request to enforce every ready instance (of that owner) in the account`,
  `• ${code(`/imds ${CHANGE_USAGE['fix-template']}`).text}: a launch-template version requiring IMDSv2, made the default`,
  `• ${code(`/imds ${CHANGE_USAGE['fix-default']}`).text}: new instances in that account and region require IMDSv2`,
].join('\n');

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const LT = /^lt-[0-9a-f]{8,17}$/;
const MENTION = /^<@([UW][A-Z0-9]+)(\|[^>]*)?>$/;

export type ChangeParse = { ok: true; command: ChangeCommand } | { ok: false; message: string } | null;

export function parseChangeCommand(text: string): ChangeParse {
  const [name, ...args] = text.trim().split(/\s+/);
  const usage = (name: keyof typeof CHANGE_USAGE) => ({
    ok: false as const,
    message: `Usage: ${code(`/imds ${CHANGE_USAGE[name]}`).text}`,
  });
  switch (name?.toLowerCase()) {
    case 'fix-template': {
      const [accountId = '', region = '', lt = ''] = args;
      if (args.length !== 3 || !isAccountId(accountId) || !REGION.test(region) || !LT.test(lt))
        return usage('fix-template');
      return { ok: true, command: { name: 'fix-template', accountId, region, launchTemplateId: lt } };
    }
    case 'fix-default': {
      const [accountId = '', region = ''] = args;
      if (args.length !== 2 || !isAccountId(accountId) || !REGION.test(region)) return usage('fix-default');
      return { ok: true, command: { name: 'fix-default', accountId, region } };
    }
    case 'enforce-ready': {
      const [accountId = '', mention] = args;
      const owner = mention ? (MENTION.exec(mention)?.[1] ?? null) : null;
      if (args.length > 2 || !isAccountId(accountId) || (mention !== undefined && owner === null))
        return usage('enforce-ready');
      return { ok: true, command: { name: 'enforce-ready', accountId, owner } };
    }
    default:
      return null;
  }
}
