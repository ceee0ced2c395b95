import { describe, expect, it } from 'vitest';
import { render } from '../../src/adapters/slack/render.js';
import { nonprodOutcome } from '../../src/adapters/slack/tasks/nonprod.js';
import { Workflow } from '../../src/config/workflow-schema.js';
import { envOf, nonprodOnly } from '../../src/domain/fixes/environment.js';
import { say } from '../../src/domain/message.js';
import { makeFinding } from '../support/factories.js';

const rule = Workflow.shape.environment.parse(undefined);

describe('envOf: the environment from the tags, unknown never taken for non-production', () => {
  it.each([
    [{ Environment: 'prod' }, 'prod'],
    [{ Environment: 'Staging' }, 'nonprod'],
    [{ environment: ' dev ' }, 'nonprod'],
    [{ env: 'qa' }, 'nonprod'],
    [{ stage: 'production' }, 'prod'],
    // the workflow's own tag comes first: Environment=prod wins over env=dev
    [{ Environment: 'prod', env: 'dev' }, 'prod'],
    // a blank value does not decide: the next key does
    [{ Environment: ' ', stage: 'test' }, 'nonprod'],
    [{ Environment: 'perf' }, 'unknown'],
    [{ Name: 'web-dev' }, 'unknown'],
    [{}, 'unknown'],
  ] as const)('%j -> %s', (tags, env) => {
    expect(envOf(tags, rule)).toBe(env);
  });

  it('reads the workflow: another tag and other values', () => {
    const custom = { ...rule, tag: 'Tier', alsoTags: [], nonprodValues: ['lab'] };
    expect(envOf({ Tier: 'lab', env: 'dev' }, custom)).toBe('nonprod');
    expect(envOf({ env: 'dev' }, custom)).toBe('unknown');
  });

  it('--env nonprod keeps the non-production laggards and says which tags it read', () => {
    const dev = makeFinding({ tags: { Environment: 'dev' } });
    const kept = nonprodOnly([makeFinding({ tags: { Environment: 'prod' } }), dev, makeFinding()], rule);
    expect(kept).toEqual([dev]);
    const refused = nonprodOutcome({ ok: false, reason: say`No instance is ready.` }, rule);
    expect(refused.ok === false && render(refused.reason).text).toBe(
      'No instance is ready. (with `--env nonprod`: tag Environment / env / stage one of dev, development, test, testing, qa, uat, staging, stage, sandbox, nonprod, non-prod)',
    );
  });
});
