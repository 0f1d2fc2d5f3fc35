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
 * The local AWS emulator the main test server runs in, on the free port
 * playwright.config.js picked (see also jupyter_server_test_config.py).
 */
export const EMULATOR = `http://127.0.0.1:${process.env.SMCOST_EMULATOR_PORT}`;
if (!process.env.SMCOST_EMULATOR_PORT) {
  throw new Error(
    'SMCOST_EMULATOR_PORT is not set: run the tests through playwright.config.js'
  );
}

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

/**
 * The Cost panel (left sidebar) and the status bar's cost meter, by their
 * stable `data-testid`s (see src/costpanel.ts and src/costmeter.ts).
 */
export const COST_PANEL = '[data-testid="smcost-cost-panel"]';
export const COST_METER = '[data-testid="smcost-cost-meter"]';
export const RESOURCE_ROW = 'tr[data-testid="smcost-resource-row"]';

/**
 * The demo user's running resources that `seed_demo` creates (see
 * jupyter_smcost/emulator/server.py), by name, with how long they had been
 * running when seeded; and the other user's job, which scope "mine" hides.
 */
export const DEMO_RESOURCES: {
  [name: string]: { kind: string; instances: string; seconds: number };
} = {
  'demo-finetune-spot': {
    kind: 'training-job',
    instances: 'ml.g5.2xlarge × 1 · spot',
    seconds: 40 * 60
  },
  'demo-resnet-train': {
    kind: 'training-job',
    instances: 'ml.p3.2xlarge × 1',
    seconds: 25 * 60
  },
  'demo-features-processing': {
    kind: 'processing-job',
    instances: 'ml.m5.xlarge × 1',
    seconds: 15 * 60
  },
  'demo-endpoint': {
    kind: 'endpoint',
    instances: 'ml.m5.xlarge × 2',
    seconds: 2 * 3600
  },
  'demo-space-2/CodeEditor/default': {
    kind: 'studio-app',
    instances: 'ml.t3.medium × 1',
    seconds: 3 * 3600
  }
};
export const OTHER_USER_JOB = 'other-user-xgboost';

/**
 * Make one emulated AWS action fail until `clearEmulatorFaults`.
 */
export async function emulatorFault(
  request: APIRequestContext,
  fault: { action: string; code: string; message: string; status: number }
): Promise<void> {
  const response = await request.post(`${EMULATOR}/_smcost/faults`, {
    data: fault
  });
  if (!response.ok()) {
    throw new Error(`POST faults failed: ${response.status()}`);
  }
}

/**
 * Clear the emulator's injected faults.
 */
export async function clearEmulatorFaults(
  request: APIRequestContext
): Promise<void> {
  await request.delete(`${EMULATOR}/_smcost/faults`);
}

/**
 * The time the pinned cost answers are "generated" at (the screenshots' page
 * clock stands still at this instant).
 */
export const PINNED_NOW = '2026-11-26T16:20:00+00:00';

/**
 * A real `GET cost` answer with its time-dependent figures pinned for
 * screenshots: the session started 2 h 30 min ago, idle 12 min (as
 * `pinnedStatus`), prices dated 2026-11-26.
 */
export function pinCost(cost: any): any {
  const now = Date.parse(PINNED_NOW);
  const uptime = 2.5 * 3600;
  const rate = cost.usd_per_hour;
  const idle = 720;
  return {
    ...cost,
    generated_at: PINNED_NOW,
    started_at: new Date(now - uptime * 1000).toISOString(),
    uptime_seconds: uptime,
    session_usd: typeof rate === 'number' ? (rate * uptime) / 3600 : null,
    instance: cost.instance && {
      ...cost.instance,
      price: pinPrice(cost.instance.price)
    },
    storage: cost.storage && {
      ...cost.storage,
      price: pinPrice(cost.storage.price)
    },
    idle: cost.idle && {
      ...cost.idle,
      idle_seconds: idle,
      idle_usd: typeof rate === 'number' ? (rate * idle) / 3600 : null,
      shutdown_at: new Date(now + 2880 * 1000).toISOString()
    }
  };
}

/**
 * A real `GET resources` answer with its time-dependent figures pinned for
 * screenshots: each demo resource has run exactly as long as when seeded,
 * listed just now, prices dated 2026-11-26.
 */
export function pinResources(resources: any): any {
  const now = Date.parse(PINNED_NOW);
  return {
    ...resources,
    generated_at: PINNED_NOW,
    fetched_at: PINNED_NOW,
    resources: (resources.resources ?? []).map((row: any) => {
      const running = DEMO_RESOURCES[row.name]?.seconds ?? row.running_seconds;
      const billed = typeof row.billable_seconds === 'number';
      return {
        ...row,
        started_at: new Date(now - running * 1000).toISOString(),
        running_seconds: running,
        // A spot job's cost counts the billed seconds, which stand still.
        cost_so_far_usd:
          typeof row.usd_per_hour === 'number' && !billed
            ? (row.usd_per_hour * running) / 3600
            : row.cost_so_far_usd,
        detail:
          typeof row.detail === 'string'
            ? row.detail.replace(
                /of \d+ min/,
                `of ${Math.round(running / 60)} min`
              )
            : row.detail,
        price: pinPrice(row.price)
      };
    })
  };
}

function pinPrice(price: any): any {
  if (!price) {
    return price;
  }
  const date = /\d{4}-\d\d-\d\d/g;
  // The server's memo of a price lasts 5 min, then it reads its cache of
  // the Price List API: the picture shows the price at first hand.
  const cached = price.source === 'cache';
  return {
    ...price,
    source: cached ? 'price-list-api' : price.source,
    as_of:
      typeof price.as_of === 'string'
        ? price.as_of.replace(date, '2026-11-26')
        : price.as_of,
    detail:
      typeof price.detail === 'string'
        ? price.detail
            .replace(cached ? /^cached / : /^$/, '')
            .replace(date, '2026-11-26')
        : price.detail
  };
}
