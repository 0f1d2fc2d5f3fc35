/**
 * Helpers shared by the jupyter-smcost UI tests.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { APIRequestContext, Page } from '@playwright/test';

/**
 * The status bar item (a stable class, see src/statusbar.ts).
 */
export const ITEM = '.jp-smcost-StatusItem';

/**
 * The local AWS emulator the main test server runs in (see
 * jupyter_server_test_config.py and playwright.config.js).
 */
export const EMULATOR = `http://127.0.0.1:${
  process.env.SMCOST_EMULATOR_PORT || '5599'
}`;

/**
 * The extension's REST API, relative to the project's base URL.
 */
export const API = '/jupyter-smcost';

/**
 * Call the server extension from the test (not from the page: never a
 * heartbeat of the page, and it works while the page is busy).
 */
export async function api(
  request: APIRequestContext,
  endPoint: string,
  init: { method?: 'GET' | 'PUT' | 'POST'; body?: unknown } = {}
): Promise<any> {
  const response = await request.fetch(`${API}/${endPoint}`, {
    method: init.method ?? 'GET',
    data: init.body === undefined ? undefined : init.body
  });
  const text = await response.text();
  return { status: response.status(), ...(text ? JSON.parse(text) : {}) };
}

/**
 * The SageMaker calls the emulator served, oldest first.
 */
export async function emulatorCalls(
  request: APIRequestContext
): Promise<Array<{ timestamp: number; action: string; params: any }>> {
  const response = await request.get(`${EMULATOR}/_smcost/calls`);
  return (await response.json()).calls;
}

/**
 * The emulated Studio apps and their status.
 */
export async function emulatorApps(
  request: APIRequestContext
): Promise<Array<{ AppName: string; Status: string }>> {
  const response = await request.get(`${EMULATOR}/_smcost/apps`);
  return (await response.json()).apps;
}

/**
 * Give the next test a fresh Studio space and the admin's settings: a new
 * InService app (an earlier test may have deleted it), an empty call log,
 * no user settings, and the idle clock restarted.
 */
export async function freshStudio(request: APIRequestContext): Promise<void> {
  await request.post(`${EMULATOR}/_smcost/reset`);
  const seeded = await request.post(`${EMULATOR}/_smcost/seed-demo`, {
    data: {}
  });
  if (!seeded.ok()) {
    throw new Error(`seed-demo failed: ${seeded.status()}`);
  }
  await api(request, 'config', {
    method: 'PUT',
    body: { timeout_minutes: null, warning_minutes: null }
  });
  await api(request, 'activity', {
    method: 'POST',
    body: { source: 'test setup' }
  });
}

/**
 * Set a short timeout (minutes) and warning, and restart the idle clock.
 *
 * @returns The status just after, with the server's deadline.
 */
export async function shortTimeout(
  request: APIRequestContext,
  timeoutMinutes: number,
  warningMinutes: number
): Promise<any> {
  // Activity first: the new timeout then counts from now (set first, it
  // would apply to the time already idle, maybe in the warning window).
  await api(request, 'activity', {
    method: 'POST',
    body: { source: 'test start' }
  });
  const reply = await api(request, 'config', {
    method: 'PUT',
    body: { timeout_minutes: timeoutMinutes, warning_minutes: warningMinutes }
  });
  if (reply.status !== 200) {
    throw new Error(`PUT config: ${reply.status} ${reply.message}`);
  }
  return api(request, 'status');
}

/**
 * Wait for JupyterLab without clicking anything: Galata's default activates
 * the Launcher tab with a real click, which is (rightly) activity.
 */
export const quietStart = {
  autoGoto: false,
  waitForApplication: async ({}, use: (wait: any) => Promise<void>) => {
    await use(async (page: Page) => {
      await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
    });
  }
};

/**
 * Record the `POST activity` bodies the page sends.
 */
export function recordHeartbeats(
  page: Page | IJupyterLabPageFixture
): string[] {
  const sources: string[] = [];
  page.on('request', request => {
    if (
      request.method() === 'POST' &&
      request.url().includes('/jupyter-smcost/activity')
    ) {
      sources.push(request.postDataJSON()?.source);
    }
  });
  return sources;
}

/**
 * The idle warning's toast in a page.
 */
export function warningToast(page: Page) {
  return page.locator('.Toastify__toast', {
    hasText: /stops in \d+:\d\d unless you keep working/
  });
}

/**
 * A server answer pinned for screenshots: the text cannot move for a minute
 * (idle time rounds down, the countdown rounds up).
 */
export function pinnedStatus(idle: Record<string, unknown> = {}) {
  return {
    version: '0.1.0',
    environment: {
      kind: 'studio-space',
      region: 'us-east-1',
      instance_type: 'ml.g5.xlarge',
      domain_id: 'd-demo',
      space_name: 'demo-space',
      user_profile_name: null,
      app_type: 'JupyterLab',
      app_name: 'default',
      error: null
    },
    idle: {
      state: 'active',
      idle_seconds: 720,
      timeout_seconds: 3600,
      warning_seconds: 300,
      seconds_until_shutdown: 2880,
      last_activity: '2026-11-26T16:08:00+00:00',
      last_activity_source: 'kernel busy: Untitled.ipynb',
      action: 'delete-app',
      action_description:
        "delete the JupyterLab app 'default' of space 'demo-space'",
      dry_run: false,
      error: null,
      checker_running: true,
      last_check: '2026-11-26T16:20:00+00:00',
      save_request: null,
      config_version: 'pinned-1',
      ...idle
    }
  };
}
