import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { ConfigError } from '../../src/domain/errors.js';

const DEFAULTS = {
  redisUrl: 'redis://127.0.0.1:6379',
  redisUrlSet: false,
  stateDir: join(homedir(), '.local', 'state', 'imds-bot'),
  prefix: 'imds',
  workflowFile: 'workflows/default.yaml',
  logLevel: 'info',
  hubRegion: 'us-east-1',
  sessionName: 'imds-bot',
  botHost: null,
  metricsPort: 9464,
};

/** Runs loadConfig and returns the ConfigError it throws (fails the test when it does not). */
function configErrorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig defaults', () => {
  it('fills every setting from its default when the environment is empty', () => {
    expect(loadConfig({})).toEqual(DEFAULTS);
  });

  it('treats empty values as unset', () => {
    const env = {
      REDIS_URL: '',
      IMDS_BOT_PREFIX: '',
      WORKFLOW_FILE: '',
      LOG_LEVEL: '',
      AWS_REGION: '',
      IMDS_BOT_SESSION_NAME: '',
    };

    expect(loadConfig(env)).toEqual(DEFAULTS);
  });

  it('treats undefined values as unset', () => {
    expect(loadConfig({ REDIS_URL: undefined, LOG_LEVEL: undefined })).toEqual(DEFAULTS);
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ HOME: '/root', PATH: '/usr/bin', AWS_PROFILE: 'x' })).toEqual(DEFAULTS);
  });
});

describe('loadConfig accepted values', () => {
  it('maps every variable to its setting', () => {
    const env = {
      REDIS_URL: 'rediss://user:secret@redis.internal:6380/2',
      IMDS_BOT_PREFIX: 'imds_prod-2',
      WORKFLOW_FILE: '/etc/imds-bot/org.yaml',
      LOG_LEVEL: 'debug',
      AWS_REGION: 'eu-central-1',
      IMDS_BOT_SESSION_NAME: 'imds-bot@hub.example',
      XDG_STATE_HOME: '/var/lib/someone',
      METRICS_PORT: '9100',
    };

    expect(loadConfig(env)).toEqual({
      redisUrl: 'rediss://user:secret@redis.internal:6380/2',
      redisUrlSet: true,
      stateDir: '/var/lib/someone/imds-bot',
      prefix: 'imds_prod-2',
      workflowFile: '/etc/imds-bot/org.yaml',
      logLevel: 'debug',
      hubRegion: 'eu-central-1',
      sessionName: 'imds-bot@hub.example',
      botHost: null,
      metricsPort: 9100,
    });
  });

  it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])('accepts LOG_LEVEL=%s', (level) => {
    expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
  });

  it.each(['redis://127.0.0.1:6379', 'redis://localhost', 'rediss://cache.example.com:6380/0'])(
    'accepts REDIS_URL=%s',
    (url) => {
      expect(loadConfig({ REDIS_URL: url }).redisUrl).toBe(url);
    },
  );

  it.each(['ab', 'a'.repeat(64), 'imds+bot=1,2.x@y-z_w'])('accepts IMDS_BOT_SESSION_NAME=%s', (name) => {
    expect(loadConfig({ IMDS_BOT_SESSION_NAME: name }).sessionName).toBe(name);
  });
});

describe('loadConfig rejected values', () => {
  it.each([
    { name: 'REDIS_URL', value: 'http://127.0.0.1:6379', expected: 'a redis:// or rediss:// URL' },
    { name: 'REDIS_URL', value: 'not a url', expected: 'a redis:// or rediss:// URL' },
    { name: 'IMDS_BOT_PREFIX', value: 'imds:prod', expected: 'letters, digits, _ and -' },
    { name: 'IMDS_BOT_PREFIX', value: 'has space', expected: 'letters, digits, _ and -' },
    { name: 'LOG_LEVEL', value: 'verbose', expected: '"silent"' },
    { name: 'IMDS_BOT_SESSION_NAME', value: 'a', expected: 'must match pattern' },
    { name: 'IMDS_BOT_SESSION_NAME', value: 'a'.repeat(65), expected: 'must match pattern' },
    { name: 'IMDS_BOT_SESSION_NAME', value: 'has space', expected: 'must match pattern' },
  ])('rejects $name=$value', ({ name, value, expected }) => {
    const err = configErrorOf({ [name]: value });

    expect(err.code).toBe('config-invalid');
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(new RegExp(`^${name}: `));
    expect(err.problems[0]).toContain(expected);
  });

  it('lists every problem at once, in the message as well', () => {
    const env = {
      REDIS_URL: 'http://x',
      IMDS_BOT_PREFIX: 'a:b',
      LOG_LEVEL: 'verbose',
      IMDS_BOT_SESSION_NAME: 'a',
      AWS_REGION: 'eu-west-1',
    };

    const err = configErrorOf(env);

    expect(err.problems.map((p) => p.split(':')[0])).toEqual([
      'REDIS_URL',
      'IMDS_BOT_PREFIX',
      'LOG_LEVEL',
      'IMDS_BOT_SESSION_NAME',
    ]);
    expect(err.message.split('\n')[0]).toBe('Invalid environment:');
    for (const problem of err.problems) expect(err.message).toContain(`  - ${problem}`);
  });

  it('does not report a blank variable next to a bad one', () => {
    const err = configErrorOf({ REDIS_URL: '', LOG_LEVEL: 'loud' });

    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/^LOG_LEVEL: /);
  });
});
