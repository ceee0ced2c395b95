/**
 * What a workflow file may hold. A workflow is a page of YAML; anything far bigger is a mistake
 * or an attack (an alias bomb, millions of tags) and is refused before it costs memory or time.
 */
export const WORKFLOW_LIMITS = {
  /** bytes of the file */
  maxBytes: 1024 * 1024,
  /** YAML aliases (`*name`) in the whole document: a few are normal, a bomb has millions */
  maxAliases: 100,
  /** entries of `scope.accounts` and of any `exclude`/`include` list of accounts or OUs */
  maxAccounts: 10_000,
  /** entries of any other list or map (tags, teams, approvers, prod values...) */
  maxEntries: 1_000,
} as const;

const ACCOUNT_LISTS = /(^|\.)(accounts|exclude|include)$/;

/** The first list or map over its limit, as "scope.accounts: 12,000 entries (at most 10,000)". */
export function oversizedEntry(value: unknown, path = ''): string | null {
  if (value === null || typeof value !== 'object') return null;
  const entries = Array.isArray(value) ? value : Object.values(value);
  const max = ACCOUNT_LISTS.test(path) ? WORKFLOW_LIMITS.maxAccounts : WORKFLOW_LIMITS.maxEntries;
  if (entries.length > max)
    return `${path || '(top level)'}: ${entries.length.toLocaleString('en-US')} entries (at most ${max.toLocaleString('en-US')})`;
  const keys = Array.isArray(value) ? value.map((_, i) => `[${i}]`) : Object.keys(value).map((k) => `.${k}`);
  for (const [i, child] of entries.entries()) {
    const found = oversizedEntry(child, `${path}${keys[i]}`.replace(/^\./, ''));
    if (found) return found;
  }
  return null;
}
