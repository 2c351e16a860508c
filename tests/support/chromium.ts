import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import type { ConsoleUser } from "./hub.js";

// Debian's Chromium driven by playwright-core (no browser download). Chromium missing is a
// failure, not a skip: infra/chromium.sh (run by bootstrap) installs it.
export const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const DESKTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };

/** Browser contexts of one test file, each with a fresh profile; `closeAll` in afterAll. */
export class Browsers {
  private readonly contexts: BrowserContext[] = [];
  private readonly profiles: string[] = [];

  /** A fresh profile and context (desktop or phone size); ignores TLS errors, Vietnam time. */
  async open(size: { width: number; height: number }): Promise<Page> {
    const profile = mkdtempSync(join(tmpdir(), "edoc-chromium-"));
    this.profiles.push(profile);
    const phone = size.width < 500;
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      ignoreHTTPSErrors: true,
      viewport: size,
      deviceScaleFactor: 1,
      isMobile: phone,
      hasTouch: phone,
      locale: "vi-VN",
      timezoneId: "Asia/Ho_Chi_Minh",
    });
    this.contexts.push(context);
    return context.pages()[0] ?? (await context.newPage());
  }

  async closeAll(): Promise<void> {
    for (const c of this.contexts) await c.close().catch(() => undefined);
    for (const p of this.profiles) rmSync(p, { recursive: true, force: true });
  }
}

/** Logs `user` in on the console's login form (any page redirects there first). */
export async function logInAs(page: Page, consoleUrl: string, user: ConsoleUser): Promise<void> {
  await page.goto(`${consoleUrl}/letters`);
  expect(new URL(page.url()).pathname).toBe("/login");
  await page.fill("#username", user.username);
  await page.fill("#password", user.password);
  await Promise.all([page.waitForURL(/\/letters/), page.click("button[type=submit].primary")]);
  await expect(page.locator(".who").textContent()).resolves.toContain(user.username);
}
