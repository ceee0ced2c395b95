#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RedisLease } from '../adapters/redis/lease.js';
import { RedisUnavailable, redactUrl } from '../adapters/redis/probe.js';
import { loadConfig } from '../config/env.js';
import { loadWorkflow } from '../config/workflow.js';
import { ConfigError, errorMessage, SetupError } from '../domain/errors.js';
import { terminalLines } from '../domain/untrusted.js';
import type { App } from '../main.js';
import {
  COMMANDS,
  commandHelp,
  EXIT,
  envOption,
  mainHelp,
  type Parsed,
  parseCommand,
  UsageError,
} from './args.js';
import type { ReportOptions } from './report.js';

/** package.json's version: two levels up from src/cli/index.ts (tsx), three from dist/src/cli/index.js. */
function version(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'imds-bot' && pkg.version) return pkg.version;
    } catch {
      // not there: try the next place
    }
  }
  return 'unknown';
}

/** A one-shot command gives up when Redis has been out of reach this long. */
const REDIS_LOST_MS = 15_000;
const LONG_RUNNING = new Set(['serve', 'worker']);

async function dispatch(
  app: App,
  p: Parsed,
  o: ReportOptions | null,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  // each command loads its own modules: --help, --version and usage errors stay quick
  if (p.command === 'health') return (await import('./redis.js')).health(app, out);
  if (p.command === 'scan' && o) return (await import('./report.js')).scanCommand(app, p, o, out, err);
  if (p.command === 'report' && o) return (await import('./report.js')).reportCommand(app, o, out, err);
  if (p.command === 'guardrails') {
    const { guardrailsCommand, guardrailsOptions } = await import('./report.js');
    return guardrailsCommand(app, guardrailsOptions(p), out, err);
  }
  if (p.command === 'digest') return (await import('./digest.js')).digestCommand(app, err, envOption(p));
  if (p.command === 'audit') {
    const opts = { format: p.str('format') ?? 'jsonl', since: p.str('since') };
    return (await import('./audit.js')).auditCommand(app, p.sub, opts, out, err);
  }
  const refused = await (await import('./redis.js')).checkRedisBeforeStart(app, err);
  return refused ?? (await import('./worker.js')).worker(app, err, p.command === 'serve');
}

/** Rejects once Redis has been unreachable for REDIS_LOST_MS: a one-shot command never hangs on it. */
function redisLost(app: App, url: string): { lost: Promise<never>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const lost = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const ms = app.redisDownForMs();
      if (ms < REDIS_LOST_MS) return;
      reject(
        new RedisUnavailable(
          `Redis at ${redactUrl(url)} stopped answering ${Math.round(ms / 1000)} s ago: start it again (docker compose -f docker/compose.yaml up -d redis) or check REDIS_URL, then run the command again.`,
        ),
      );
    }, 1000);
  });
  lost.catch(() => undefined);
  return { lost, stop: () => clearInterval(timer) };
}

export async function run(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  processEnv: Record<string, string | undefined> = process.env,
): Promise<number> {
  let app: App | null = null;
  let lease: RedisLease | null = null;
  const [command = 'help', ...rest] = argv;
  try {
    if (command === '--version' || command === '-V' || command === 'version') {
      out.write(`imds-bot ${version()}\n`);
      return EXIT.ok;
    }
    if (command === 'help' || command === '--help' || command === '-h') {
      out.write(rest[0] ? commandHelp(rest[0]) : mainHelp());
      return EXIT.ok;
    }
    if (command.startsWith('-'))
      throw new UsageError(
        `"${command}" before a command: imds-bot <command> [options] (commands: ${Object.keys(COMMANDS).join(', ')})`,
      );
    const p = parseCommand(command, rest);
    if (p.flag('help')) {
      out.write(commandHelp(command));
      return EXIT.ok;
    }
    const o =
      command === 'scan' || command === 'report' ? (await import('./report.js')).reportOptions(p) : null;
    if (command === 'digest') envOption(p);
    if (command === 'guardrails') (await import('./report.js')).guardrailsOptions(p);
    // one-shot commands print a report: their logs stay quiet unless LOG_LEVEL says otherwise
    const env = {
      ...processEnv,
      LOG_LEVEL: processEnv.LOG_LEVEL || (LONG_RUNNING.has(command) ? 'info' : 'warn'),
    };
    const config = loadConfig(env);
    const workflow = await loadWorkflow(p.str('workflow') ?? config.workflowFile);
    lease = await (await import('../adapters/redis/lease.js')).leaseRedis(
      config,
      command === 'scan' || command === 'report',
      err,
    );
    app = await (await import('../main.js')).createApp({ env: { ...env, REDIS_URL: lease.url }, workflow });
    if (LONG_RUNNING.has(command)) return await dispatch(app, p, o, out, err);
    const watch = redisLost(app, lease.url);
    try {
      return await Promise.race([dispatch(app, p, o, out, err), watch.lost]);
    } finally {
      watch.stop();
    }
  } catch (e) {
    return failure(e, command, err);
  } finally {
    await app?.close(app.redisDownForMs() > 0 ? 1000 : undefined);
    await lease?.release();
  }
}

/** One line (or a list of configuration problems), never a stack trace. */
function failure(e: unknown, command: string, err: NodeJS.WritableStream): number {
  if (e instanceof UsageError) {
    const help = COMMANDS[command] ? `imds-bot ${command} --help` : 'imds-bot --help';
    err.write(`imds-bot: ${terminalLines(e.message)}\nRun '${help}' for usage.\n`);
    return EXIT.usage;
  }
  err.write(`imds-bot: ${terminalLines(errorMessage(e))}\n`);
  if (e instanceof ConfigError || e instanceof SetupError) return EXIT.usage;
  if (e instanceof RedisUnavailable && command === 'health') return EXIT.failed;
  return EXIT.unavailable;
}

/** The reader of stdout or stderr went away (`| head`): nothing more to say, and no `write EPIPE`. */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
}

const isMain =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  ignoreClosedPipes();
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // once stdout is flushed, a stray timer or socket left by a library must not keep us alive
      process.stdout.write('', () => setTimeout(() => process.exit(code), 2000).unref());
    },
    (e: unknown) => {
      process.stderr.write(`imds-bot: ${terminalLines(errorMessage(e))}\n`);
      process.exitCode = EXIT.unavailable;
    },
  );
}
