/**
 * Which parts of local mode are stand-ins and which are real, from the environment: configuration
 * that is present is used, never ignored. A Slack bot token means a real workspace; AWS
 * credentials mean real AWS (with the workflow file that says which accounts to scan). Both real
 * is not local mode at all: that is `imds-bot serve`.
 */
export type LocalPlan =
  | { kind: 'run'; slack: 'sandbox' | 'real'; aws: 'emulator' | 'real'; why: string[] }
  | { kind: 'refuse'; message: string };

const AWS_CREDENTIALS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
];

export function planLocal(env: Record<string, string | undefined>): LocalPlan {
  const set = (name: string) => (env[name] ?? '').trim() !== '';
  const slack = set('SLACK_BOT_TOKEN') ? 'real' : 'sandbox';
  const awsBy = AWS_CREDENTIALS.filter(set);
  const aws = awsBy.length > 0 ? 'real' : 'emulator';
  if (slack === 'sandbox' && set('SLACK_APP_TOKEN'))
    return {
      kind: 'refuse',
      message:
        'SLACK_APP_TOKEN is set without SLACK_BOT_TOKEN: set both for a real workspace, or neither for the sandbox.',
    };
  if (slack === 'real' && aws === 'real')
    return {
      kind: 'refuse',
      message: `SLACK_BOT_TOKEN and AWS credentials (${awsBy.join(', ')}) are both set: that is the real bot, not local mode. Run \`imds-bot serve\` (or \`npx tsx src/cli/index.ts serve\`).`,
    };
  if (slack === 'real' && !set('WORKFLOW_FILE'))
    return {
      kind: 'refuse',
      message:
        "SLACK_BOT_TOKEN is set: local mode would post to your workspace, and needs WORKFLOW_FILE whose `slack` and `approvals` blocks name your channels and people (the scope stays the demo organization's). Unset it for the sandbox page.",
    };
  if (aws === 'real' && !set('WORKFLOW_FILE'))
    return {
      kind: 'refuse',
      message: `AWS credentials are set (${awsBy.join(', ')}): local mode would scan real AWS, and needs WORKFLOW_FILE to say which accounts and regions (see workflows/). Unset them for the demo organization.`,
    };
  const why = [
    slack === 'real'
      ? 'Slack: your workspace (SLACK_BOT_TOKEN is set); no sandbox page'
      : 'Slack: the sandbox page (no SLACK_BOT_TOKEN)',
    aws === 'real'
      ? `AWS: real, with your credentials (${awsBy.join(', ')}) and the workflow ${env.WORKFLOW_FILE}`
      : 'AWS: the emulator with the demo organization (no AWS credentials)',
  ];
  return { kind: 'run', slack, aws, why };
}
