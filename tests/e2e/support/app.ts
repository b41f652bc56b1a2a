// The app in Chromium against `selfguide serve` on a project: one call to open, one to close.
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { type Served, serve } from './cli.ts';

export interface OpenApp {
  server: Served;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

export async function openApp(projectDir: string): Promise<OpenApp> {
  const server = await serve(projectDir);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(15_000);
  await page.goto(server.url);
  return {
    server,
    browser,
    page,
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}
