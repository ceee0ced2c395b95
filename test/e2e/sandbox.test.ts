import { copyFile } from 'node:fs/promises';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxBot, startSandboxBot } from '../../sandbox/demo/compose.js';
import { silentLogger } from '../../src/adapters/log.js';
import { launchChromium, screenshotter } from '../support/browser.js';
import { testEnv } from '../support/harness.js';
import { C, changeControlWorkflow, slackFleet, slackSeed, U } from '../support/slack-fixtures.js';
import { until } from '../support/slack-harness.js';

/**
 * The sandbox page in headless Chromium, against the whole bot: every click goes to Bolt's HTTP
 * receiver as a v0-signed request, every card comes back through the Web API.
 */
/** What the user sees in `l`, line breaks included (Playwright's innerText, not the DOM property). */
// biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator method; textContent would glue blocks together
const seen = (l: Locator) => l.innerText();

describe('the Slack sandbox in a browser: request, approve, verify, audit, roll back, refuse, snooze', () => {
  let bot: SandboxBot;
  let browser: Browser;
  let page: Page;
  let shots: Awaited<ReturnType<typeof screenshotter>>;
  const built = slackFleet();

  beforeAll(async () => {
    bot = await startSandboxBot({
      fleet: built.fleet,
      workflow: changeControlWorkflow(),
      slack: slackSeed(),
      roles: {
        [U.alice]: 'owner',
        [U.carol]: 'owner',
        [U.sec]: 'security engineer',
        [U.approver]: 'approver',
        [U.approver2]: 'approver',
      },
      env: testEnv(),
      log: silentLogger(),
    });
    const { scanId } = await bot.app.requestScan({ kind: 'cli', by: 'test' });
    await bot.app.waitForScan(scanId);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    shots = await screenshotter('sandbox-e2e');
  });
  afterAll(async () => {
    await browser?.close();
    await bot?.close();
  });

  const actAs = async (user: string) => {
    if (!page.url().startsWith(bot.url)) await page.goto(bot.url);
    await page.selectOption('#user-switcher', user);
    await page.waitForFunction(
      (u) => (document.querySelector('#user-switcher') as HTMLSelectElement).value === u,
      user,
    );
  };
  const openConversation = (label: string) =>
    page.locator('#sidebar button', { hasText: label }).first().click();
  /** The message (card) in the open conversation that contains `text`. */
  const card = (text: string) =>
    page
      .locator('.messages > .message-holder:has(> article.message:not(.is-ephemeral))', { hasText: text })
      .first();
  const requestIdOn = async (text: string) => {
    const body = await seen(card(text));
    return /cr-[0-9a-f]{12}/.exec(body)?.[0] ?? '';
  };
  const state = (id: string, want: string) =>
    until(
      async () => ((await bot.runtime.ctx.change.requests.get(id))?.state === want ? true : undefined),
      `${id} ${want}`,
    );

  it('the owner opens the digest in their DM and requests enforcement of a ready instance', async () => {
    await page.goto(`${bot.url}?user=${U.alice}`);
    await page.locator('#clock button', { hasText: 'Next digest' }).click();
    await openConversation('your DM');
    const digest = card(built.ids.aliceReady);
    await digest.waitFor();
    expect(await seen(digest)).toContain('alice-web');
    await shots.shot(page, 'owner-digest');
    const row = page.locator('.bk-section', { hasText: built.ids.aliceReady }).first();
    // the Enforce button of that instance's row: the actions block that follows its section
    await row.locator('xpath=following::button[normalize-space()="Enforce"][1]').click();
    await until(
      () =>
        bot.slack
          .messagesIn(C.security)
          .find((m) => JSON.stringify(m.blocks ?? []).includes(built.ids.aliceReady)),
      'the request card',
    );
    await shots.shot(page, 'owner-requested');
  });

  it('an approver approves in the security channel; the card updates in place with their name', async () => {
    await actAs(U.approver);
    await openConversation('imds-security');
    const id = await requestIdOn(built.ids.aliceReady);
    expect(id).not.toBe('');
    const before = await card(id).getAttribute('data-ts');
    await card(id).locator('button', { hasText: 'Approve' }).click();
    // approving changes production: the confirmation dialog comes first, and the approval is made there
    await expect.poll(() => page.locator('#confirm[open]').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('#confirm').textContent()).toContain('Approve this change?');
    await shots.shot(page, 'approver-confirm');
    await page.locator('#confirm button[value="confirm"]').click();
    await state(id, 'applied');
    const updated = card(id);
    await expect.poll(() => seen(updated), { timeout: 20_000 }).toContain('Applied and verified');
    expect(await seen(updated)).toContain('approved by @appr');
    expect(await updated.getAttribute('data-ts')).toBe(before); // chat.update: the same message
    expect(await seen(updated)).toContain('(edited)');
    await shots.shot(page, 'approver-approved');
  });

  it('the emulator panel shows the instance now requires tokens; the audit export has the entries', async () => {
    await page.selectOption('#instance-pick', built.ids.aliceReady);
    await page.click('#instance-show');
    await expect
      .poll(() => seen(page.locator('#instance-view')))
      .toContain('HttpTokens:              required');
    const path = await shots.shot(page, 'emulator-required');
    // the README's picture: UPDATE_SANDBOX_SCREENSHOT=1 npx vitest run test/e2e/sandbox.test.ts
    if (process.env.UPDATE_SANDBOX_SCREENSHOT) await copyFile(path, 'docs/sandbox.png');
    const csv = await page.evaluate(async () => (await fetch('/sandbox/api/audit.csv')).text());
    for (const type of ['requested', 'approved', 'applied', 'verified']) expect(csv).toContain(type);
    expect(csv).toContain(built.ids.aliceReady);
  });

  it('an approver rolls it back through the reason modal; another approves; the emulator shows it restored', async () => {
    const id = await requestIdOn('Applied and verified');
    await card(id).locator('button', { hasText: 'Request rollback' }).click();
    await page.locator('#modal[open]').waitFor();
    await page.fill(
      '#modal-form textarea, #modal-form input.bk-text-input',
      'the metrics agent broke on this host',
    );
    await shots.shot(page, 'rollback-modal');
    await page.click('#modal-form [data-modal="submit"]');
    await page
      .locator('#modal[open]')
      .waitFor({ state: 'detached' })
      .catch(() => undefined);
    await expect
      .poll(() => page.locator('#modal').evaluate((d) => (d as HTMLDialogElement).open))
      .toBe(false);
    const rollback = await until(async () => {
      const all = await bot.runtime.ctx.change.requests.get(id);
      const open = (await bot.runtime.ctx.audit.recent({ limit: 50, instanceId: built.ids.aliceReady })).find(
        (e) => e.type === 'requested' && e.requestId !== id,
      );
      return all && open ? open.requestId : undefined;
    }, 'the rollback request');
    await actAs(U.approver2);
    await openConversation('imds-security');
    await card(rollback ?? '')
      .locator('button', { hasText: 'Approve' })
      .click();
    if (await page.locator('#confirm[open]').count())
      await page.locator('#confirm button[value="confirm"]').click();
    await state(id, 'rolled-back');
    await page.selectOption('#instance-pick', built.ids.aliceReady);
    await page.click('#instance-show');
    await expect
      .poll(() => seen(page.locator('#instance-view')), { timeout: 20_000 })
      .toContain('HttpTokens:              optional');
    expect(built.fleet.instance(built.ids.aliceReady)?.metadata.httpTokens).toBe('optional');
    await shots.shot(page, 'rolled-back');
  });

  it('a self-approval is refused, and the refusal is shown to the one who tried', async () => {
    await actAs(U.approver);
    await openConversation('imds-security');
    await page.fill('#composer-input', '/im');
    await expect.poll(() => page.locator('#composer-hint').isVisible()).toBe(true);
    expect(await seen(page.locator('#composer-hint'))).toContain('help | scan');
    await page.fill('#composer-input', `/imds enforce ${built.ids.carol}`);
    await page.press('#composer-input', 'Enter');
    const id = await until(async () => {
      const m = bot.slack
        .messagesIn(C.security)
        .find((x) => JSON.stringify(x.blocks ?? []).includes(built.ids.carol));
      return m ? /cr-[0-9a-f]{12}/.exec(JSON.stringify(m.blocks))?.[0] : undefined;
    }, 'the request card of carol-box');
    await card(id).locator('button', { hasText: 'Approve' }).click();
    if (await page.locator('#confirm[open]').count())
      await page.locator('#confirm button[value="confirm"]').click();
    const refusal = page.locator('.message.is-ephemeral', { hasText: 'yourself' });
    await refusal.waitFor();
    expect(await seen(refusal)).toContain('Only visible to you');
    expect((await bot.runtime.ctx.change.requests.get(id))?.state).toBe('requested');
    await shots.shot(page, 'self-approval-refused');
  });

  it('an owner snoozes an instance with a reason: the modal shows its validation error first', async () => {
    await actAs(U.alice);
    await openConversation('your DM');
    const row = page.locator('.bk-section', { hasText: built.ids.aliceInUse }).first();
    await row.locator('xpath=following::button[normalize-space()="Snooze"][1]').click();
    await page.locator('#modal[open]').waitFor();
    await page.click('#modal-form [data-modal="submit"]');
    await page.locator('#modal-form .bk-error').first().waitFor();
    await shots.shot(page, 'snooze-error');
    await page
      .locator('#modal-form textarea, #modal-form input.bk-text-input')
      .first()
      .fill('the legacy cron job moves to IMDSv2 next sprint');
    await page.click('#modal-form [data-modal="submit"]');
    await expect
      .poll(() => page.locator('#modal').evaluate((d) => (d as HTMLDialogElement).open), { timeout: 20_000 })
      .toBe(false);
    await until(async () => {
      const s = await bot.runtime.ctx.snoozes.active([`${built.ids.aliceInUse}`]);
      return (
        s.size > 0 ||
        (await bot.runtime.ctx.audit.recent({ limit: 50, instanceId: built.ids.aliceInUse })).some(
          (e) => e.type === 'snoozed',
        )
      );
    }, 'the snooze');
    await expect.poll(() => seen(page.locator('.messages')), { timeout: 20_000 }).toMatch(/[Ss]noozed/);
    await shots.shot(page, 'snoozed');
  });
});
