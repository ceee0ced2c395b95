import { describe, expect, it } from 'vitest';
import { planLocal } from '../../sandbox/local/plan.js';

describe('local mode: configuration that is present is used, never ignored', () => {
  it('with nothing set: the sandbox page and the emulator', () => {
    expect(planLocal({})).toMatchObject({ kind: 'run', slack: 'sandbox', aws: 'emulator' });
  });

  it('AWS credentials and a workflow: real AWS with the sandbox Slack, said in the banner', () => {
    const plan = planLocal({ AWS_PROFILE: 'audit', WORKFLOW_FILE: 'workflows/org.yaml' });
    expect(plan).toMatchObject({ kind: 'run', slack: 'sandbox', aws: 'real' });
    expect(plan.kind === 'run' && plan.why.join('\n')).toContain(
      'AWS: real, with your credentials (AWS_PROFILE)',
    );
  });

  it('a Slack token and a workflow: your workspace with the emulator', () => {
    const plan = planLocal({ SLACK_BOT_TOKEN: 'xoxb-1', WORKFLOW_FILE: 'w.yaml' });
    expect(plan).toMatchObject({ kind: 'run', slack: 'real', aws: 'emulator' });
    expect(plan.kind === 'run' && plan.why.join('\n')).toContain(
      'Slack: your workspace (SLACK_BOT_TOKEN is set)',
    );
  });

  it('refuses, naming what to do, where a real part lacks what it needs or both are real', () => {
    const refused = (env: Record<string, string>) => {
      const plan = planLocal(env);
      return plan.kind === 'refuse' ? plan.message : null;
    };
    expect(refused({ AWS_ACCESS_KEY_ID: 'AKIA' })).toMatch(/needs WORKFLOW_FILE/);
    expect(refused({ SLACK_BOT_TOKEN: 'xoxb-1' })).toMatch(/needs WORKFLOW_FILE/);
    expect(refused({ SLACK_APP_TOKEN: 'xapp-1' })).toMatch(/without SLACK_BOT_TOKEN/);
    expect(refused({ SLACK_BOT_TOKEN: 'xoxb-1', AWS_PROFILE: 'p', WORKFLOW_FILE: 'w.yaml' })).toMatch(
      /imds-bot serve/,
    );
    expect(refused({ AWS_ACCESS_KEY_ID: ' ', SLACK_BOT_TOKEN: '' })).toBeNull();
  });
});
