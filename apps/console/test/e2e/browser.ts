import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const RESULTS = join(import.meta.dirname, '..', '..', 'test-results');

/** Why the e2e cannot run here, or null. In CI a missing browser is a failure, not a skip. */
export function missingBrowser(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const reason = `${CHROMIUM} is missing (apt-get install -y chromium)`;
  if (process.env.CI) throw new Error(`console e2e: ${reason}`);
  return reason;
}

export interface Session {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Headless Debian Chromium with a fresh profile (a new user-data-dir), at 1280×800. */
export async function launch(): Promise<Session> {
  const profile = mkdtempSync(join(tmpdir(), 'kontroler-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

let shot = 0;
/** Saves a numbered full-page screenshot to apps/console/test-results/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS, { recursive: true });
  shot += 1;
  const path = join(RESULTS, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

export const tid = (id: string) => `[data-testid="${id}"]`;

export async function signIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill(tid('login-username'), username);
  await page.fill(tid('login-password'), password);
  await page.click(tid('login-submit'));
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** Drags with the real mouse from one element's centre to another's, in small steps. */
/**
 * A new browser session signed in as `username`, with the page's uncaught errors printed (they explain a
 * failed wait). `onPage` attaches other listeners before the sign-in loads the console.
 */
export async function launchSignedIn(
  baseUrl: string,
  username: string,
  password: string,
  onPage?: (page: Page) => void,
): Promise<Session> {
  const session = await launch();
  session.page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  onPage?.(session.page);
  await signIn(session.page, baseUrl, username, password);
  return session;
}

export async function dragBetween(page: Page, from: string, to: string): Promise<void> {
  const a = await page.locator(from).boundingBox();
  const b = await page.locator(to).boundingBox();
  if (!a || !b) throw new Error(`cannot drag ${from} → ${to}: not visible`);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2 + 5, (a.y + b.y) / 2 + 5, { steps: 8 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
  await page.mouse.up();
}

/** Draws a dependency on the editor canvas: `child` runs after `parent`. */
export async function connect(page: Page, parent: string, child: string): Promise<void> {
  await dragBetween(
    page,
    `.vue-flow__node ${tid(`handle-out-${parent}`)}`,
    `.vue-flow__node ${tid(`handle-in-${child}`)}`,
  );
}
