import type { ActionArgs, ListenerDeps } from './listener-types.js';

/**
 * A Fix button of `/imds guardrails` or of App Home (no channel, no response_url there): ack at
 * once; the value is read through its schema by the task.
 */
export async function onGuardrailFix(deps: ListenerDeps, { body, action, ack }: ActionArgs): Promise<void> {
  await ack();
  await deps.tasks.add({
    kind: 'guardrail-fix',
    value: typeof action.value === 'string' ? action.value.slice(0, 2000) : '',
    user: { id: body.user.id, name: body.user.name ?? body.user.id },
    channelId: body.channel?.id ?? null,
    responseUrl: body.response_url ?? null,
  });
}
