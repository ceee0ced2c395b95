import type { ChildProcess } from 'node:child_process';
import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateWorkspace } from '../../sandbox/slack/index.js';
import { firstJsonLine, killIfRunning, spawnTsx, terminate } from '../support/child-json.js';

const Ready = z.object({
  url: z.url(),
  baseUrl: z.url(),
  botToken: z.string().startsWith('xoxb-'),
  appToken: z.string().startsWith('xapp-'),
  signingSecret: z.string().min(1),
  users: z.number(),
  teamUsergroups: z.record(z.string(), z.string()),
  teamChannels: z.record(z.string(), z.string()),
});

let child: ChildProcess | undefined;

afterEach(() => {
  killIfRunning(child);
  child = undefined;
});

describe('sandbox/slack/main.ts', () => {
  it('serves a generated workspace to another process and stops cleanly on SIGTERM', async () => {
    child = spawnTsx('sandbox/slack/main.ts', ['--port', '0', '--users', '2000', '--seed', '1']);
    const ready = await firstJsonLine(child, Ready);
    const web = new WebClient(ready.botToken, { slackApiUrl: ready.url, retryConfig: { retries: 0 } });
    let members = 0;
    for await (const page of web.paginate('users.list', { limit: 1000 }))
      members += (page as { members?: unknown[] }).members?.length ?? 0;
    const owner = await web.users.lookupByEmail({ email: 'alice.martin@example.com' });
    await fetch(`${ready.baseUrl}/__fake/fail-next`, {
      method: 'POST',
      body: JSON.stringify({ method: 'users.info', error: 'user_not_found' }),
    });
    const scripted = await web.users
      .info({ user: owner.user?.id as string })
      .catch((e: { data: unknown }) => e.data);
    const summary = (await (await fetch(`${ready.baseUrl}/__fake/summary`)).json()) as { total: number };
    const code = await terminate(child);
    expect(members).toBe(2000);
    expect(owner.user?.real_name).toBe('Alice Martin');
    expect(scripted).toMatchObject({ ok: false, error: 'user_not_found' });
    expect(summary.total).toBe(4);
    expect(code).toBe(0);
  });
});

describe('generateWorkspace', () => {
  it('is deterministic for a seed: emails, a few deleted people, a few bots, groups of active people', () => {
    const a = generateWorkspace({ users: 2000, seed: 7 });
    const b = generateWorkspace({ users: 2000, seed: 7 });
    const deleted = a.users.filter((u) => u.deleted);
    const bots = a.users.filter((u) => u.is_bot);
    const active = new Set(a.users.filter((u) => !u.deleted && !u.is_bot).map((u) => u.id));
    expect(b).toEqual(a);
    expect(a.users[0]).toMatchObject({ id: 'U00000001', email: 'alice.martin@example.com' });
    const rest = a.users.slice(40).filter((u) => !u.is_bot);
    expect(rest.every((u) => u.email === `user${Number(u.id.slice(1))}@example.com`)).toBe(true);
    expect(deleted.length).toBeGreaterThan(10);
    expect(deleted.length).toBeLessThan(100);
    expect(bots.length).toBeGreaterThan(5);
    expect(bots.every((u) => u.email === undefined)).toBe(true);
    expect(
      Object.values(a.usergroups)
        .flat()
        .every((id) => active.has(id)),
    ).toBe(true);
    expect(a.teamChannels.payments).toMatch(/^C/);
  });
});
