import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Bad usage: the CLI prints the message and where to read more, and exits 2. */
export class UsageError extends Error {}

/** Exit statuses shared by every command (the help texts and the README list them). */
export const EXIT = { ok: 0, failed: 1, usage: 2, partial: 3, unavailable: 4 } as const;

type Option = { type: 'string' | 'boolean'; short?: string; arg?: string; help: string };

const workflow: Option = {
  type: 'string',
  arg: 'FILE',
  help: 'workflow file (default: $WORKFLOW_FILE or workflows/default.yaml)',
};
const format: Option = {
  type: 'string',
  arg: 'FORMAT',
  help: "table | json | csv | ocsf (OCSF Compliance Findings, JSON Lines) | asff (Security Hub findings, a JSON array) (default: from --output's extension, else table)",
};
const limit: Option = { type: 'string', arg: 'N', help: 'table: laggards to list (default 100, 0 = all)' };
const output: Option = {
  type: 'string',
  arg: 'FILE',
  help: 'write the report to FILE (atomically) instead of stdout; .json, .csv, .txt pick the format',
};

const UNAVAILABLE = '4 Redis does not answer (the line says which URL and what to do), or an internal error';

export interface CommandSpec {
  usage: string;
  summary: string;
  options: Record<string, Option>;
  exit: string[];
  /** for `audit`: the subcommands it takes */
  subcommands?: string[];
}

export const COMMANDS: Record<string, CommandSpec> = {
  scan: {
    usage: 'imds-bot scan [options]',
    summary:
      "scan the workflow's accounts and regions now and print the report (progress on stderr). Without REDIS_URL and with no Redis on 127.0.0.1:6379, a private redis-server keeps the history in $XDG_STATE_HOME/imds-bot",
    options: {
      workflow,
      format,
      account: { type: 'string', arg: 'ID', help: 'scan only this account of the workflow (12 digits)' },
      region: { type: 'string', arg: 'NAME', help: 'scan only this region' },
      limit,
      output,
      'no-workers': {
        type: 'boolean',
        help: "only enqueue and wait; separate 'imds-bot worker' processes do the work",
      },
    },
    exit: [
      '0 every scope scanned completely',
      "1 some scope's inventory failed (listed on stderr and in errors[])",
      '2 bad usage or configuration, or nothing to scan',
      '3 every inventory was read, but some parts (launch templates, ASGs, usage, account default) are missing',
      UNAVAILABLE,
    ],
  },
  report: {
    usage: 'imds-bot report [options]',
    summary: 'print the report of the latest stored scan (no AWS calls)',
    options: { workflow, format, limit, output },
    exit: [
      '0 the latest scan was complete',
      '1 it had failed scopes',
      '2 bad usage, or no scan stored yet',
      '3 it had only partial errors (some parts missing, every inventory read)',
      UNAVAILABLE,
    ],
  },
  guardrails: {
    usage: 'imds-bot guardrails [options]',
    summary:
      "print what /imds guardrails shows, from the latest stored scans and organization policies (no AWS calls). The account defaults and launch templates that let new instances allow IMDSv1, the AMIs without ImdsSupport v2.0, the organization's SCP and declarative-policy coverage. JSON: the object `imds-bot report --format json` carries as guardrails; CSV: one row per fact, its kind column saying which",
    options: {
      workflow,
      format: {
        type: 'string',
        arg: 'FORMAT',
        help: "table | json | csv (default: from --output's extension, else table)",
      },
      account: { type: 'string', arg: 'ID', help: 'only this account (12 digits)' },
      region: { type: 'string', arg: 'NAME', help: 'only this region' },
      output: {
        type: 'string',
        arg: 'FILE',
        help: 'write to FILE (atomically) instead of stdout; .json, .csv, .txt pick the format',
      },
    },
    exit: [
      '0 shown',
      '2 bad usage, or no scan stored yet (of --account / --region when given)',
      '3 shown, but the latest scan could not read some parts (listed as missing)',
      UNAVAILABLE,
    ],
  },
  digest: {
    usage: 'imds-bot digest [--workflow FILE] [--env nonprod]',
    summary: 'post the per-owner digests now, from the latest scans (needs SLACK_BOT_TOKEN)',
    options: {
      workflow,
      env: {
        type: 'string',
        arg: 'ENV',
        help: "nonprod: only the non-production laggards (the workflow's environment tags; untagged ones are left out)",
      },
    },
    exit: [
      '0 every digest delivered',
      '1 some could not be planned or delivered',
      '2 bad configuration',
      UNAVAILABLE,
    ],
  },
  serve: {
    usage: 'imds-bot serve [--workflow FILE]',
    summary:
      'the Slack app (Socket Mode or HTTP), its workers, scan workers and schedules, until SIGTERM. Needs a shared Redis (REDIS_URL)',
    options: { workflow },
    exit: ['0 stopped by SIGTERM/SIGINT', '2 bad configuration', UNAVAILABLE],
  },
  worker: {
    usage: 'imds-bot worker [--workflow FILE]',
    summary:
      "scan workers and the workflow's schedule until SIGTERM; with SLACK_BOT_TOKEN set, the Slack workers too. Several processes share one Redis (REDIS_URL)",
    options: { workflow },
    exit: ['0 stopped by SIGTERM/SIGINT', '2 bad configuration', UNAVAILABLE],
  },
  audit: {
    usage: 'imds-bot audit verify | audit anchor | audit export --format jsonl|ocsf|csv [--since DATE]',
    summary:
      "verify: prove the audit trail's hash chain unbroken and matching every anchor (workflow audit.anchorFile); anchor: write the chain's head outside Redis (the anchor file, and the security channel when Slack is configured); export: the audit trail as JSON lines (docs/audit-schema.md), OCSF API Activity events or CSV, for a SIEM",
    subcommands: ['verify', 'anchor', 'export'],
    options: {
      workflow,
      format: { type: 'string', arg: 'FORMAT', help: 'export: jsonl | ocsf | csv (default jsonl)' },
      since: {
        type: 'string',
        arg: 'DATE',
        help: 'export: entries from this date on (2026-11-01 or ISO time)',
      },
    },
    exit: [
      '0 unbroken / anchored / exported',
      '1 the chain is broken, or entries an anchor covered are gone (the entry or anchor is named)',
      '2 bad usage (anchor: no anchor file and no Slack)',
      UNAVAILABLE,
    ],
  },
  health: {
    usage: 'imds-bot health [--workflow FILE]',
    summary:
      "the Docker HEALTHCHECK: the configuration and workflow load, Redis answers PING and has the database of REDIS_URL; prints Redis's maxmemory-policy and persistence (AOF, replicas)",
    options: { workflow },
    exit: [
      '0 healthy',
      '1 Redis does not answer, refuses the database, or may evict keys (maxmemory-policy not noeviction)',
      '2 bad configuration',
    ],
  },
};

const COMMON: Record<string, Option> = {
  help: { type: 'boolean', short: 'h', help: "this command's options and exit statuses" },
};

function optionList(options: Record<string, Option>): string {
  const rows = Object.entries({ ...options, ...COMMON }).map(([name, o]) => [
    `  ${o.short ? `-${o.short}, ` : ''}--${name}${o.arg ? ` ${o.arg}` : ''}`,
    o.help,
  ]);
  const width = Math.max(...rows.map(([left = '']) => left.length)) + 2;
  return rows.map(([left = '', help]) => `${left.padEnd(width)}${help}`).join('\n');
}

export function commandHelp(name: string): string {
  const c = COMMANDS[name];
  if (!c) return mainHelp();
  return `Usage: ${c.usage}\n\n${c.summary}.\n\nOptions:\n${optionList(c.options)}\n\nExit status:\n${c.exit.map((e) => `  ${e}`).join('\n')}\n`;
}

export function mainHelp(): string {
  const rows = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(12)}${c.summary.split('. ')[0]}`);
  return `imds-bot: find and fix EC2 instances that still accept IMDSv1

Usage: imds-bot <command> [options]      imds-bot <command> --help    imds-bot --version

Commands:
${rows.join('\n')}

Environment: REDIS_URL, WORKFLOW_FILE, LOG_LEVEL, AWS_REGION, IMDS_BOT_PREFIX, XDG_STATE_HOME, and the
AWS SDK's own (credentials, AWS_ENDPOINT_URL...). See README.md.

REDIS_URL forms (user:password@ is the AUTH/ACL user, URL-encoded):
  redis://[user:pass@]host:6379[/db]                  one node (rediss:// with TLS)
  redis+sentinel://[user:pass@]s1:26379,s2:26379/<master>[/db][?sentinelPassword=...]
                                                      Sentinel (rediss+sentinel:// with TLS)
  redis+cluster://[user:pass@]n1:6379,n2:6379         Redis Cluster, ElastiCache Serverless, MemoryDB
                                                      (rediss+cluster:// with TLS; the prefix becomes {IMDS_BOT_PREFIX})
`;
}

/** `--env`: the one value is nonprod (checked before anything connects). */
export function envOption(p: Parsed): 'nonprod' | undefined {
  const env = p.str('env');
  if (env === undefined || env === 'nonprod') return env;
  throw new UsageError(`--env: the one filter is nonprod, not "${env}"`);
}

export interface Parsed {
  command: string;
  sub: string | undefined;
  /** a string option's value */
  str(name: string): string | undefined;
  /** a boolean option */
  flag(name: string): boolean;
}

function parsedOf(command: string, sub: string | undefined, values: Record<string, unknown>): Parsed {
  return {
    command,
    sub,
    str: (name) => (typeof values[name] === 'string' ? values[name] : undefined),
    flag: (name) => values[name] === true,
  };
}

/** `argv` without the command; strict: an unknown option names the command's valid ones. */
export function parseCommand(command: string, argv: string[]): Parsed {
  const spec = COMMANDS[command];
  if (!spec)
    throw new UsageError(`unknown command "${command}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
  const options = Object.fromEntries(
    Object.entries({ ...spec.options, ...COMMON }).map(([n, o]) => [
      n,
      { type: o.type, ...(o.short ? { short: o.short } : {}) },
    ]),
  ) as ParseArgsConfig['options'];
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const valid = Object.keys(spec.options)
      .map((o) => `--${o}`)
      .join(', ');
    const e = err as { code?: string; message: string };
    const what = e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? e.message.split('.')[0] : e.message;
    throw new UsageError(`${command}: ${what}; its options: ${valid}, --help`);
  }
  const [sub, ...extra] = parsed.positionals;
  if (parsed.values.help) return parsedOf(command, sub, parsed.values);
  if (spec.subcommands && (!sub || !spec.subcommands.includes(sub)))
    throw new UsageError(`${command} needs a subcommand: ${spec.subcommands.join(' | ')}`);
  const unexpected = spec.subcommands ? extra[0] : sub;
  if (unexpected !== undefined) throw new UsageError(`${command}: unexpected argument "${unexpected}"`);
  return parsedOf(command, sub, parsed.values);
}
