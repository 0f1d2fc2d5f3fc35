/**
 * The SageMaker Distribution 4.4.1 replica in Chromium (issue 13, items 3
 * and 4): our UI beside Studio's own extensions under `/jupyterlab/default`,
 * and Studio's own idle signal (`GET api/idle`, jupyter-activity-monitor-
 * extension) following a person's typing and standing still without one.
 *
 * The server (tests/replica/serve.py) sees itself in a Studio space (the
 * emulator's metadata at /opt/ml/metadata), so our extension writes
 * `/tmp/.sagemaker-last-active-timestamp` by its own default; nothing here
 * configures that.
 */
import { expect, test } from '@playwright/test';
import type { APIRequestContext, Page } from '@playwright/test';

const BASE = '/jupyterlab/default';
const TOKEN = process.env.SMCOST_REPLICA_TOKEN ?? '';
if (!TOKEN) {
  throw new Error(
    'SMCOST_REPLICA_TOKEN is not set: run through playwright.replica.config.js'
  );
}
/** Our status bar item (src/idle/statusbar.ts). */
const ITEM = '.jp-smcost-StatusItem';
/** jupyterlab-git's sidebar tab (its panel's id). */
const GIT_TAB = '.jp-SideBar li[data-id="jp-git-sessions"]';
const FILE = 'replica-notes.txt';

async function get(request: APIRequestContext, endPoint: string) {
  const response = await request.get(`${BASE}/${endPoint}`, {
    headers: { Authorization: `token ${TOKEN}` }
  });
  expect(response.status(), `GET ${endPoint}`).toBe(200);
  return response.json();
}

/**
 * Studio's `lastActiveTimestamp` (`%Y-%m-%dT%H:%M:%S.%fz`, UTC), as sent.
 */
async function lastActive(request: APIRequestContext): Promise<string> {
  const body = await get(request, 'api/idle');
  expect(body.lastActiveTimestamp, JSON.stringify(body)).toMatch(
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}z$/
  );
  return body.lastActiveTimestamp;
}

/** The timestamp in ms since the epoch (to the millisecond). */
function ms(timestamp: string): number {
  return Date.parse(timestamp.replace(/(\.\d{3})\d*z$/, '$1Z'));
}

/** No kernel runs, and no session holds one. */
async function expectNoKernel(request: APIRequestContext): Promise<void> {
  expect(await get(request, 'api/sessions')).toEqual([]);
  expect(await get(request, 'api/kernels')).toEqual([]);
}

/** What the server says about the last activity, for failure messages. */
async function activityFacts(request: APIRequestContext): Promise<string> {
  const status = await get(request, 'jupyter-smcost/status');
  return JSON.stringify({
    last_activity: status.idle.last_activity,
    last_activity_source: status.idle.last_activity_source
  });
}

/** The `POST activity` bodies the page sends. */
function recordHeartbeats(page: Page): string[] {
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

/** Open `path` (below `/lab`) with the token, without any input. */
async function openLab(page: Page, path = ''): Promise<void> {
  await page.goto(`${BASE}/lab${path}?token=${TOKEN}`);
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
  await expect(page.locator(ITEM)).toBeVisible({ timeout: 30_000 });
}

test('our UI loads beside Studio’s extensions, with the lifecycle policy', async ({
  page,
  request
}) => {
  await openLab(page);
  // 45 min from the policy; the idle time shown is however long it has been.
  await expect(page.locator(ITEM)).toHaveText(
    /^idle \d+ (s|min) · stops in 4[45] min$/
  );
  await expect(page.locator(GIT_TAB)).toBeVisible();

  const config = await get(request, 'jupyter-smcost/config');
  expect(config.timeout_minutes).toBe(45);
  expect(config.min_timeout_minutes).toBe(15);
  expect(config.allow_user_override).toBe(false);
  expect(config.sources.timeout_minutes).toBe('policy');
  // The extension sees a Studio space: its own default writes Studio's file.
  const status = await get(request, 'jupyter-smcost/status');
  expect(status.environment).toMatchObject({
    kind: 'studio-space',
    space_name: 'demo-space',
    app_type: 'JupyterLab'
  });
});

test('api/idle follows a person typing, with no kernel', async ({
  page,
  request
}) => {
  // A text file, opened by its URL: no input until the first key.
  const created = await request.put(`${BASE}/api/contents/${FILE}`, {
    headers: { Authorization: `token ${TOKEN}` },
    data: { type: 'file', format: 'text', content: '' }
  });
  expect(created.ok(), await created.text()).toBe(true);
  const heartbeats = recordHeartbeats(page);
  await openLab(page, `/tree/${FILE}`);
  const editor = page.locator('.jp-FileEditor .cm-content');
  await expect(editor).toBeVisible();
  await expectNoKernel(request);

  const before = await lastActive(request);
  // A few seconds with no input: it stays, and the typing's time stands out.
  await page.waitForTimeout(3000);
  expect(await lastActive(request)).toBe(before);
  expect(heartbeats).toEqual([]);
  const typingFrom = Date.now();
  // Focus is not input (no trusted event); the keys are.
  await editor.focus();
  const line = 'a person typing in the replica, with no kernel. ';
  for (let i = 0; i < 3; i++) {
    await page.keyboard.type(line, { delay: 80 });
    await page.keyboard.press('Enter');
  }
  const typingTo = Date.now();
  await expect(editor).toContainText('a person typing in the replica');
  expect(heartbeats.length).toBeGreaterThan(0);
  expect(heartbeats[0]).toBe(`typing in ${FILE}`);

  // The heartbeat is sent on the first key; the file is written as it lands.
  let after = before;
  const end = Date.now() + 20_000;
  while (ms(after) <= ms(before) && Date.now() < end) {
    await page.waitForTimeout(250);
    after = await lastActive(request);
  }
  expect(
    ms(after),
    `lastActiveTimestamp stayed ${before}; our server says ${await activityFacts(request)}`
  ).toBeGreaterThan(ms(before));
  // Moved by the typing: not before the first key, not after now.
  expect(ms(after)).toBeGreaterThanOrEqual(typingFrom - 1000);
  expect(ms(after)).toBeLessThanOrEqual(Date.now() + 1000);
  await expectNoKernel(request);
  console.log(
    `api/idle lastActiveTimestamp: before typing ${before}, after ${after} ` +
      `(typed ${new Date(typingFrom).toISOString()} to ` +
      `${new Date(typingTo).toISOString()}; heartbeats ${JSON.stringify(heartbeats)})`
  );
});

test('api/idle stands still for 5 min with only the tab open', async ({
  page,
  request
}) => {
  test.setTimeout(7 * 60 * 1000);
  const heartbeats = recordHeartbeats(page);
  await openLab(page);
  await expectNoKernel(request);
  const before = await lastActive(request);
  const from = new Date().toISOString();
  await page.waitForTimeout(300 * 1000);
  const after = await lastActive(request);
  console.log(
    `api/idle lastActiveTimestamp: ${before} at ${from}, ${after} ` +
      `at ${new Date().toISOString()} (heartbeats ${JSON.stringify(heartbeats)})`
  );
  expect(heartbeats).toEqual([]);
  expect(
    after,
    `moved with no input; our server says ${await activityFacts(request)}`
  ).toBe(before);
  await expectNoKernel(request);
});
