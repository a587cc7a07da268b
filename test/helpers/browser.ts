/**
 * Real Chromium for browser tests: Debian's `chromium` package driven by playwright-core (`npx playwright
 * install` cannot download here, and CI installs the same package with `apt-get install -y chromium`).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is missing; install it with: apt-get update && apt-get install -y chromium`;
}

/**
 * Flags for a quiet, reproducible headless run: no sandbox (tests run as root in containers), no GPU, and
 * nothing that phones home or updates itself mid-test.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches headless Chromium. Playwright starts it with a fresh temporary `--user-data-dir` of its own
 * (it refuses that flag in `args`) and deletes it on `close()`, so no profile, cookie or cache leaks between
 * runs; each `browser.newContext()` is a further isolated cookie jar.
 */
export async function launchChromium(): Promise<Browser> {
  const missing = chromiumMissing();
  if (missing) throw new Error(`cannot launch Chromium: ${missing}`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}
