/**
 * The forms of REDIS_URL:
 *   redis://[user[:password]@]host[:port][/db]            one node (rediss:// with TLS)
 *   redis+sentinel://[user[:password]@]s1[:port],s2[:port]/<master name>[/db][?sentinelPassword=…&sentinelUsername=…]
 *                                                         Sentinel (rediss+sentinel://: TLS to sentinels and nodes)
 *   redis+cluster://[user[:password]@]n1[:port],n2[:port]  Redis Cluster, ElastiCache Serverless, MemoryDB
 *                                                         (rediss+cluster:// with TLS; database 0 only)
 * user and password (URL-encoded) are the AUTH / ACL user of the data nodes.
 */
export interface RedisNode {
  host: string;
  port: number;
}

interface Common {
  tls: boolean;
  username?: string;
  password?: string;
}

export type RedisTarget =
  | ({ kind: 'single'; url: string; db: number } & Common)
  | ({
      kind: 'sentinel';
      sentinels: RedisNode[];
      masterName: string;
      db: number;
      sentinelUsername?: string;
      sentinelPassword?: string;
    } & Common)
  | ({ kind: 'cluster'; nodes: RedisNode[] } & Common);

const FORM =
  /^(rediss?)(?:\+(sentinel|cluster))?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#@]+)(\/[^?#]*)?(?:\?([^#]*))?$/;
const DB = /^\d{1,2}$/;

/** Why a REDIS_URL is not one of the forms, or null when it is. */
export function redisUrlProblem(url: string): string | null {
  try {
    parseRedisUrl(url);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

function node(text: string, defaultPort: number): RedisNode {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m?.[1]) throw new Error(`"${text}" is not host[:port]`);
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port < 1 || port > 65_535) throw new Error(`port ${port} is out of range`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

const decode = (s: string | undefined) => (s === undefined || s === '' ? undefined : decodeURIComponent(s));

function credentials(user: string | undefined, password: string | undefined, tls: boolean): Common {
  const username = decode(user);
  const pass = decode(password);
  return { tls, ...(username ? { username } : {}), ...(pass ? { password: pass } : {}) };
}

function dbOf(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  if (!DB.test(text)) throw new Error(`"/${text}" is not a database number`);
  return Number(text);
}

/** REDIS_URL as what to connect to; throws an Error naming what is wrong. */
export function parseRedisUrl(url: string): RedisTarget {
  const m = FORM.exec(url);
  if (!m) throw new Error('a redis:// or rediss:// URL (or redis+sentinel://, redis+cluster://)');
  const [, scheme, mode, user, password, hosts = '', path = '', query = ''] = m;
  const auth = credentials(user, password, scheme === 'rediss');
  const segments = path.split('/').slice(1);
  if (mode === undefined) {
    const [only] = hosts.split(',');
    if (hosts.includes(',')) throw new Error('several hosts need redis+cluster:// or redis+sentinel://');
    node(only ?? '', 6379);
    return { kind: 'single', url, db: dbOf(segments[0]), ...auth };
  }
  const nodes = hosts.split(',').map((h) => node(h, mode === 'sentinel' ? 26_379 : 6379));
  if (mode === 'cluster') {
    if (dbOf(segments[0]) !== 0) throw new Error('Redis Cluster has database 0 only');
    return { kind: 'cluster', nodes, ...auth };
  }
  const masterName = decode(segments[0]);
  if (!masterName) throw new Error('redis+sentinel:// needs the master name as its path: …/mymaster');
  const params = new URLSearchParams(query);
  const sentinelUsername = params.get('sentinelUsername');
  const sentinelPassword = params.get('sentinelPassword');
  return {
    kind: 'sentinel',
    sentinels: nodes,
    masterName,
    db: dbOf(segments[1]),
    ...auth,
    ...(sentinelUsername ? { sentinelUsername } : {}),
    ...(sentinelPassword ? { sentinelPassword } : {}),
  };
}

/** The URL without passwords, for messages and logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([^:]+:\/\/[^:@/]*:)[^@/]*@/, '$1***@').replace(/(sentinelPassword=)[^&#]*/, '$1***');
}
