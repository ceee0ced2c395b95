import { App, type Logger as BoltLogger, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { SlackConfig } from '../../config/slack-env.js';
import type { Logger } from '../log.js';
import type { AuditStore } from '../redis/audit.js';
import type { SlackDeliveryStore } from '../redis/slack-delivery.js';
import type { SlackIdentity } from './identity.js';
import type { ListenerDeps } from './listener-types.js';
import { registerListeners } from './listeners.js';
import { onlyOnce } from './once.js';
import { servedOnly } from './team-guard.js';

/** Bolt logs through our pino logger. */
function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: 'bolt' });
  let level = LogLevel.INFO;
  return {
    debug: (...m) => child.debug(m.map(String).join(' ')),
    info: (...m) => child.info(m.map(String).join(' ')),
    warn: (...m) => child.warn(m.map(String).join(' ')),
    error: (...m) => child.error(m.map(String).join(' ')),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/**
 * The Bolt app: Socket Mode when an app-level token is configured (no public ingress), the HTTP
 * receiver otherwise (v0 signatures checked, requests older than 5 minutes refused, /healthz).
 * Every Web API call, from Bolt and from Socket Mode's apps.connections.open, goes to SLACK_API_URL.
 * The bot token was checked (auth.test) before; its ids are passed in.
 */
export function createBoltApp(
  config: SlackConfig,
  log: Logger,
  identity: SlackIdentity,
  fetch?: typeof globalThis.fetch,
): App {
  const logger = boltLogger(log);
  const clientOptions = { slackApiUrl: config.apiUrl, ...(fetch ? { fetch } : {}) };
  // the ids auth.test gave at start: Bolt would otherwise call auth.test again, unawaited, and a
  // refused token would end the process with an unhandled rejection
  const bot = { botId: identity.botId, botUserId: identity.botUserId };
  if (config.mode === 'socket' && config.appToken) {
    const receiver = new SocketModeReceiver({
      appToken: config.appToken,
      installerOptions: { clientOptions },
      logger,
    });
    return new App({ token: config.botToken, ...bot, receiver, clientOptions, logger });
  }
  const receiver = new HTTPReceiver({
    signingSecret: config.signingSecret ?? '',
    endpoints: '/slack/events',
    logger,
    customRoutes: [
      {
        path: '/healthz',
        method: ['GET'],
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
        },
      },
    ],
  });
  return new App({ token: config.botToken, ...bot, receiver, clientOptions, logger });
}

export interface BoltDeps {
  listeners: ListenerDeps;
  /** where refused requests (another workspace) are recorded */
  audit: AuditStore;
  /** once-only delivery: Slack's retries are seen by their id */
  deliveries: SlackDeliveryStore;
  now: () => Date;
  log: Logger;
}

/** The Bolt app as served: the team guard first, then once-only delivery, then the listeners. */
export async function startBolt(
  config: SlackConfig,
  identity: SlackIdentity,
  deps: BoltDeps,
  fetch?: typeof globalThis.fetch,
): Promise<App> {
  const { log } = deps;
  const bolt = createBoltApp(config, log, identity, fetch);
  bolt.use(servedOnly(identity, { audit: deps.audit, now: deps.now, log }));
  bolt.use(onlyOnce({ deliveries: deps.deliveries, log }));
  registerListeners(bolt, deps.listeners);
  await bolt.start(config.port);
  log.info({ mode: config.mode, port: config.mode === 'http' ? config.port : null }, 'slack app listening');
  return bolt;
}
