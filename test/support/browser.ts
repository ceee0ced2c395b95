import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium, which scripts/ensure-browser.sh installs; playwright downloads nothing. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/ensure-browser.sh`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** Screenshots of a test's steps, numbered, in test-results/<name>/ (git-ignored). */
export async function screenshotter(name: string) {
  const dir = join('test-results', name);
  await mkdir(dir, { recursive: true });
  let n = 0;
  return {
    dir,
    async shot(page: Page, step: string): Promise<string> {
      n += 1;
      const path = join(dir, `${String(n).padStart(2, '0')}-${step}.png`);
      await page.screenshot({ path });
      return path;
    },
  };
}
