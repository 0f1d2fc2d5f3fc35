/**
 * Helpers shared by the jupyter-smcost UI tests.
 */
import { expect, test } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type {
  APIRequestContext,
  APIResponse,
  Locator,
  Page
} from '@playwright/test';

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
  init: { method?: 'GET' | 'PUT' | 'POST' | 'DELETE'; body?: unknown } = {}
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
 * The admin's idle settings again: no user timeout or warning.
 */
export async function adminSettings(request: APIRequestContext): Promise<void> {
  await api(request, 'config', {
    method: 'PUT',
    body: { timeout_minutes: null, warning_minutes: null }
  });
}

/**
 * Report activity from the test, which restarts the idle clock.
 */
export async function restartIdleClock(
  request: APIRequestContext,
  source: string
): Promise<void> {
  await api(request, 'activity', { method: 'POST', body: { source } });
}

/**
 * Reset the emulator and seed its demo (`data` says which), then the
 * admin's idle settings and the idle clock restarted.
 *
 * @returns The emulator's answer to the seed.
 */
async function seedStudio(
  request: APIRequestContext,
  data: Record<string, unknown>,
  demo: string
): Promise<APIResponse> {
  await request.post(`${EMULATOR}/_smcost/reset`);
  const seeded = await request.post(`${EMULATOR}/_smcost/seed-demo`, {
    data
  });
  if (!seeded.ok()) {
    throw new Error(`${demo} failed: ${seeded.status()}`);
  }
  await adminSettings(request);
  await restartIdleClock(request, 'test setup');
  return seeded;
}

/**
 * Give the next test a fresh Studio space and the admin's settings: a new
 * InService app (an earlier test may have deleted it), an empty call log,
 * no user settings, and the idle clock restarted.
 */
export async function freshStudio(request: APIRequestContext): Promise<void> {
  await seedStudio(request, {}, 'seed-demo');
}

/**
 * Start each test of the calling spec file in a `freshStudio`, before the
 * page loads (the page fixture is set up after this hook); then, if given,
 * `teardown` after each test.
 */
export function eachInFreshStudio(
  teardown?: (request: APIRequestContext) => Promise<void>
): void {
  test.beforeEach(async ({ request }) => {
    await freshStudio(request);
  });
  if (teardown) {
    test.afterEach(async ({ request }) => {
      await teardown(request);
    });
  }
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
  await restartIdleClock(request, 'test start');
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
 * Format USD as the extension does for figures from $0.10 to $99,999:
 * cents below $100, whole dollars above (src/format.ts).
 */
export function usd(value: number): string {
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: Math.abs(value) >= 99.995 ? 0 : 2,
    maximumFractionDigits: Math.abs(value) >= 99.995 ? 0 : 2
  }).format(value);
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

/**
 * Run a command from the palette, as a user does: Ctrl+Shift+C, type its
 * label, Enter. The modal palette closes when the focus moves (a toast
 * arriving takes it, also while the label is typed), so opening it and
 * typing are tried again until the command is the active item.
 */
export async function runFromPalette(page: Page, label: string): Promise<void> {
  const palette = page.locator('#command-palette');
  await expect(async () => {
    if (!(await palette.isVisible())) {
      await page.keyboard.press('Control+Shift+C');
    }
    await expect(palette).toBeVisible({ timeout: 2_000 });
    const input = palette.locator('.lm-CommandPalette-input');
    await input.fill('', { timeout: 2_000 });
    await input.pressSequentially(label, { timeout: 5_000 });
    await expect(
      palette.locator('.lm-CommandPalette-item.lm-mod-active')
    ).toHaveText(new RegExp(label), { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await page.keyboard.press('Enter');
}

/**
 * Open the Cost panel through one of its commands in the palette, as a user
 * does (`Show SageMaker cost`, `Show SageMaker savings`).
 */
export async function openFromPalette(
  page: Page,
  label: string
): Promise<Locator> {
  await runFromPalette(page, label);
  const panel = page.locator(COST_PANEL);
  await expect(panel).toBeVisible();
  return panel;
}
export const COST_METER = '[data-testid="smcost-cost-meter"]';
export const RESOURCE_ROW = 'tr[data-testid="smcost-resource-row"]';

/**
 * The demo user's running resources that `seed_demo` creates (see
 * packages/smcost-emulator/smcost_emulator/seed/demo.py), by name, with how
 * long they had been running when seeded; and the other user's job, which
 * scope "mine" hides.
 */
export const DEMO_RESOURCES: {
  [name: string]: {
    kind: string;
    /** What the row's line shows (no `ml.`, see src/cost/panel.ts). */
    line: string;
    /** The whole instance type and count, in the line's tooltip. */
    instances: string;
    seconds: number;
  };
} = {
  'demo-finetune-spot': {
    kind: 'training-job',
    line: 'g5.2xlarge × 1',
    instances: 'ml.g5.2xlarge × 1 · spot',
    seconds: 40 * 60
  },
  'demo-resnet-train': {
    kind: 'training-job',
    line: 'p3.2xlarge × 1',
    instances: 'ml.p3.2xlarge × 1',
    seconds: 25 * 60
  },
  'demo-features-processing': {
    kind: 'processing-job',
    line: 'm5.xlarge × 1',
    instances: 'ml.m5.xlarge × 1',
    seconds: 15 * 60
  },
  'demo-endpoint': {
    kind: 'endpoint',
    line: 'm5.xlarge × 2',
    instances: 'ml.m5.xlarge × 2',
    seconds: 2 * 3600
  },
  'demo-space-2/CodeEditor/default': {
    kind: 'studio-app',
    line: 't3.medium × 1',
    instances: 'ml.t3.medium × 1',
    seconds: 3 * 3600
  }
};
export const OTHER_USER_JOB = 'other-user-xgboost';

/**
 * The running resources the savings demo adds (`seed-demo` with
 * `{"savings": true}`, see
 * packages/smcost-emulator/smcost_emulator/seed/savings.py), by name, with how
 * long they had been running when seeded.
 */
export const SAVINGS_DEMO_RESOURCES: {
  [name: string]: { kind: string; seconds: number };
} = {
  'demo-idle-endpoint': { kind: 'endpoint', seconds: 3 * 24 * 3600 },
  'demo-small-a': { kind: 'endpoint', seconds: 5 * 24 * 3600 },
  'demo-small-b': { kind: 'endpoint', seconds: 4 * 24 * 3600 },
  'demo-untagged-train': { kind: 'training-job', seconds: 20 * 60 },
  'demo-crossregion-processing': { kind: 'processing-job', seconds: 12 * 60 }
};

/**
 * The savings demo's idle endpoint and the configuration its deletion keeps.
 */
export const IDLE_ENDPOINT = 'demo-idle-endpoint';
export const IDLE_ENDPOINT_CONFIG = 'demo-idle-endpoint-config';

/**
 * Seed the savings demo (after `freshStudio`'s reset: the demo Studio space
 * and its resources, plus what every savings rule the emulator can feed
 * needs), with the admin's idle settings and the idle clock restarted.
 *
 * @returns What the emulator seeded.
 */
export async function savingsStudio(request: APIRequestContext): Promise<any> {
  const seeded = await seedStudio(
    request,
    { savings: true },
    'seed-demo (savings)'
  );
  return seeded.json();
}

/**
 * Ask `GET endPoint` every 250 ms until it answers 200 and `ready` holds.
 *
 * @returns That answer.
 * @throws If none does within `timeout` ms: `missing`, and the last answer.
 */
async function settled(
  request: APIRequestContext,
  endPoint: string,
  ready: (answer: any) => boolean,
  missing: string,
  timeout: number
): Promise<any> {
  const end = Date.now() + timeout;
  let last: any = null;
  while (Date.now() < end) {
    last = await api(request, endPoint);
    if (last.status === 200 && ready(last)) {
      return last;
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  throw new Error(`${missing}: ` + JSON.stringify(last)?.slice(0, 500));
}

/**
 * Wait until `GET resources` answers with a listing read from AWS after
 * `since` (ms since the epoch). The server answers with its last listing
 * while it reads the next one, and the page asks every 30 s: a page loaded
 * right after a reseed would show the earlier seed's resources until then.
 *
 * @returns That answer.
 */
export async function settledResources(
  request: APIRequestContext,
  since: number,
  timeout = 30_000
): Promise<any> {
  return settled(
    request,
    'resources',
    last =>
      last.state !== 'loading' && Date.parse(last.fetched_at ?? '') > since,
    `no listing read since ${new Date(since).toISOString()}`,
    timeout
  );
}

/**
 * Wait until `GET suggestions` answers from facts collected after `since`
 * (ms since the epoch; the server computes them in the background every
 * `c.Suggestions.ttl_seconds`, 2 s here) and, if given, `ready` holds.
 *
 * @returns That answer.
 */
export async function settledSuggestions(
  request: APIRequestContext,
  since: number,
  ready: (document: any) => boolean = () => true,
  timeout = 30_000
): Promise<any> {
  return settled(
    request,
    'suggestions',
    last =>
      (last.state === 'ok' || last.state === 'partial') &&
      Date.parse(last.generated_at ?? '') > since &&
      ready(last),
    `no suggestions computed since ${new Date(since).toISOString()}`,
    timeout
  );
}

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
  const rows = (resources.resources ?? []).map((row: any) => {
    const running =
      DEMO_RESOURCES[row.name]?.seconds ??
      SAVINGS_DEMO_RESOURCES[row.name]?.seconds ??
      row.running_seconds;
    const billed =
      typeof row.billable_seconds === 'number' &&
      typeof row.on_demand_usd_per_hour === 'number';
    // A spot job's cost counts the billed seconds, which stand still; its
    // rate is the on-demand one times the share billed, which falls.
    const rate = billed
      ? (row.on_demand_usd_per_hour * row.billable_seconds) / running
      : row.usd_per_hour;
    return {
      ...row,
      started_at: new Date(now - running * 1000).toISOString(),
      running_seconds: running,
      usd_per_hour: rate,
      cost_so_far_usd:
        typeof rate === 'number' && !billed
          ? (rate * running) / 3600
          : row.cost_so_far_usd,
      detail:
        typeof row.detail === 'string'
          ? row.detail
              .replace(/of \d+ min/, `of ${Math.round(running / 60)} min`)
              .replace(
                /\d+% of the on-demand/,
                billed
                  ? `${Math.round((row.billable_seconds / running) * 100)}% of the on-demand`
                  : '$&'
              )
          : row.detail,
      price: pinPrice(row.price)
    };
  });
  // The total moves with the spot jobs' rates: the sum of the pinned rows
  // (when the server listed them all and priced them all, as in the demo).
  const listed = rows.every(
    (row: any) => typeof row.usd_per_hour === 'number' && row.price?.known
  );
  return {
    ...resources,
    generated_at: PINNED_NOW,
    fetched_at: PINNED_NOW,
    total_usd_per_hour:
      listed && !resources.omitted?.count
        ? rows.reduce((sum: number, row: any) => sum + row.usd_per_hour, 0)
        : resources.total_usd_per_hour,
    resources: rows
  };
}

/**
 * A dollar figure as the server's arithmetic strings write it
 * (jupyter_smcost/suggestions/model.py `usd`).
 */
function serverUsd(value: number): string {
  const abs = Math.abs(value);
  if (value !== 0 && abs < 0.1) {
    return abs < 0.01
      ? `$${value.toFixed(4).replace(/0+$/, '').replace(/\.$/, '')}`
      : `$${value.toFixed(3)}`;
  }
  return `$${value.toLocaleString('en-US', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2
  })}`;
}

/**
 * A real `GET suggestions` answer with its time-dependent parts pinned for
 * screenshots, as `pinResources` pins the resources: generated at
 * `PINNED_NOW`; a running job's spot saving (it grows with the job's cost so
 * far) scaled to the job's pinned running time; the idle app's idle hours and
 * the snippets' job names fixed.
 *
 * The `savings-plan` suggestion is left out: the server asks Cost Explorer
 * once a day, so whether it has the emulator's recommendation depends on
 * which test ran first since the server started, not on this test.
 */
export function pinSuggestions(document: any): any {
  const suggestions = (document.suggestions ?? [])
    .filter((s: any) => s.rule !== 'savings-plan')
    .map((s: any) => {
      let pinned = { ...s };
      const seconds =
        DEMO_RESOURCES[s.resource?.name]?.seconds ??
        SAVINGS_DEMO_RESOURCES[s.resource?.name]?.seconds;
      // "1 x ml.p3.2xlarge x 1,516 s x $3.978/h = $1.68 (cost so far) x ..."
      const sofar =
        /(\d+) x \S+ x ([\d,]+) s x \$([\d.]+)\/h = \$[\d.,]+ \(cost so far\)/.exec(
          s.arithmetic ?? ''
        );
      if (s.rule === 'spot-training' && seconds && sofar) {
        const count = Number(sofar[1]);
        const rate = Number(sofar[3]);
        const cost = (count * rate * seconds) / 3600;
        // The figure again from the arithmetic's own terms (the share spot
        // saves, the weeks to a month), as printed: scaling the server's
        // figure by the rounded seconds would move it by a cent from run to
        // run.
        const rest = s.arithmetic.slice(sofar.index + sofar[0].length);
        const share = /^ x ([\d.]+)% (?:to ([\d.]+)% )?/.exec(rest);
        const month = /x (\d+) \/ (\d+) \(/.exec(rest);
        const perMonth = month ? Number(month[1]) / Number(month[2]) : 1;
        const figure = (percent: string) =>
          (cost * Number(percent) * perMonth) / 100;
        const saving =
          typeof s.saving_usd_per_month === 'number' && share
            ? figure(share[1])
            : s.saving_usd_per_month;
        const range =
          Array.isArray(s.saving_range_usd_per_month) && share?.[2]
            ? [figure(share[1]), figure(share[2])]
            : s.saving_range_usd_per_month;
        const result =
          typeof saving === 'number'
            ? `= ${serverUsd(saving)}/month`
            : Array.isArray(range)
              ? `= ${serverUsd(range[0])} to ${serverUsd(range[1])}/month`
              : '$&';
        pinned = {
          ...pinned,
          saving_usd_per_month: saving,
          saving_range_usd_per_month: range,
          arithmetic: s.arithmetic
            .replace(
              sofar[0],
              sofar[0]
                .replace(
                  /x [\d,]+ s x/,
                  `x ${seconds.toLocaleString('en-US')} s x`
                )
                .replace(
                  /= \$[\d.,]+ \(cost so far\)/,
                  `= ${serverUsd(cost)} (cost so far)`
                )
            )
            .replace(/= \$[\d.,]+( to \$[\d.,]+)?\/month$/, result)
        };
      }
      for (const key of ['detail', 'snippet'] as const) {
        if (typeof pinned[key] === 'string') {
          pinned[key] = pinned[key]
            .replace(
              /no user activity for [\d.]+ h/,
              'no user activity for 2.8 h'
            )
            .replace(/-ir-\d{12}/g, '-ir-202611261620');
        }
      }
      return pinned;
    });
  return {
    ...document,
    generated_at: PINNED_NOW,
    suggestions,
    total_saving_usd_per_month: suggestions.reduce(
      (sum: number, s: any) =>
        sum +
        (typeof s.saving_usd_per_month === 'number'
          ? s.saving_usd_per_month
          : 0),
      0
    )
  };
}

/**
 * Pin every answer that moves with time, for screenshots: the server's real
 * cost, listing and suggestions with their times fixed, the idle status of
 * `pinnedStatus`, and the page's clock standing still at `PINNED_NOW`.
 */
export async function pinAnswers(page: Page): Promise<void> {
  await page.route(/\/jupyter-smcost\/status/, route =>
    route.fulfill({ json: pinnedStatus() })
  );
  // A heartbeat (dragging the sidebar's edge is activity) answers with the
  // idle status too: the server has it, the page sees the pinned one.
  await page.route(/\/jupyter-smcost\/activity/, async route => {
    const response = await route.fetch();
    await route.fulfill({ response, json: pinnedStatus().idle });
  });
  await page.route(/\/jupyter-smcost\/cost/, async route => {
    const response = await route.fetch();
    await route.fulfill({ response, json: pinCost(await response.json()) });
  });
  await page.route(/\/jupyter-smcost\/resources/, async route => {
    const response = await route.fetch();
    await route.fulfill({
      response,
      json: pinResources(await response.json())
    });
  });
  // GET only: a dismissal or an action goes to the server as it is.
  await page.route(/\/jupyter-smcost\/suggestions(\?|$)/, async route => {
    if (route.request().method() !== 'GET') {
      return route.fallback();
    }
    const response = await route.fetch();
    await route.fulfill({
      response,
      json: pinSuggestions(await response.json())
    });
  });
  await page.clock.setFixedTime(new Date(PINNED_NOW));
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

/**
 * The words of a part of the page that the layout broke across lines where
 * it should not: between two letters or digits (`sagem|aker`), or anywhere
 * in a figure (`$92.|34/month`, `1,|500`). Long names, URLs and code may
 * break at their punctuation (`demo-space-|2`, `amazonaws.com/|sagemaker`).
 * Only the text shown counts (not that of a closed disclosure).
 *
 * @returns Each word broken, with the offset of the break, e.g.
 *   `"$92.34/month" at 7`; none when all is well.
 */
export async function midWordBreaks(root: Locator): Promise<string[]> {
  return root.evaluate(element => {
    const broken: string[] = [];
    const tops = (node: Text, start: number, end: number) => {
      const range = document.createRange();
      range.setStart(node, start);
      range.setEnd(node, end);
      return Array.from(range.getClientRects())
        .filter(r => r.width > 0 && r.height > 0)
        .map(r => r.top);
    };
    const alnum = /[\p{L}\p{N}]/u;
    const figure = /^[(]?(\$|\d[\d,.]*(%|\/h|\/month|\)|,|\.)*$)/;
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node as Text;
      if (!text.parentElement?.checkVisibility({ visibilityProperty: true })) {
        continue;
      }
      const words = /\S+/g;
      let match: RegExpExecArray | null;
      while ((match = words.exec(text.data)) !== null) {
        const word = match[0];
        const all = tops(text, match.index, match.index + word.length);
        // On one line.
        if (all.length < 2 || Math.max(...all) - Math.min(...all) < 4) {
          continue;
        }
        let previous: number | null = null;
        for (let i = 0; i < word.length; i++) {
          const [at] = tops(text, match.index + i, match.index + i + 1);
          if (at === undefined) {
            continue;
          }
          if (
            previous !== null &&
            at > previous + 4 &&
            (figure.test(word) ||
              (alnum.test(word[i - 1]) && alnum.test(word[i])))
          ) {
            broken.push(`"${word}" at ${i}`);
          }
          previous = at;
        }
      }
    }
    return broken;
  });
}
