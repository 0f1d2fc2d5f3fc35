/**
 * "Why was I stopped": the idle history after a real shutdown, and the
 * once-only notice of the last shutdown.
 *
 * The server fills the notice at its next start (the user coming back), and
 * these tests share one server that never restarts: the real shutdown's
 * entry is checked in the history, and the notice (with the screenshots)
 * from the real `GET history` answer with that shutdown marked as come back.
 */
import * as fs from 'fs';
import * as path from 'path';

import { expect, test } from '@jupyterlab/galata';
import type { APIRequestContext, Page } from '@playwright/test';

import {
  adminSettings,
  api,
  eachInFreshStudio,
  emulatorCalls,
  ITEM,
  quietStart,
  restartIdleClock,
  runFromPalette,
  shortTimeout
} from './helpers';

eachInFreshStudio(async request => {
  await adminSettings(request);
  await restartIdleClock(request, 'test teardown');
});

/**
 * Where the README's pictures live; `SMCOST_README_IMAGES=1` writes them.
 */
const README_IMAGES = path.resolve(__dirname, '..', '..', 'docs', 'images');

/**
 * The notice's toast in a page.
 */
function noticeToast(page: Page) {
  return page.locator('.Toastify__toast', {
    hasText: /(Would have stopped|Stopped) at \d\d:\d\d after/
  });
}

/**
 * Run the history command from the palette, as a user does.
 *
 * @returns The dialog's history view.
 */
async function openHistory(page: Page) {
  await runFromPalette(page, 'Show Idle Shutdown History');
  const view = page.locator('.jp-Dialog [data-testid="smcost-history"]');
  await expect(view).toBeVisible();
  return view;
}

/**
 * The newest id in the server's history, 0 when it is empty.
 */
async function lastId(request: APIRequestContext): Promise<number> {
  const history = await api(request, 'history');
  expect(history.status).toBe(200);
  return Math.max(0, ...history.entries.map((e: any) => e.id));
}

test('the history after a real shutdown: the entry with its saved notebook', async ({
  page,
  request,
  tmpPath
}) => {
  const before = await lastId(request);
  const name = 'history.ipynb';
  await page.notebook.createNew(name);
  await page.notebook.setCell(0, 'code', 'print("saved before the shutdown")');
  await expect(page.locator('.jp-mod-dirty')).not.toHaveCount(0);

  await shortTimeout(request, 0.1, 0.05);
  await expect
    .poll(
      async () =>
        (await emulatorCalls(request)).some(
          call => call.action === 'DeleteApp'
        ),
      { timeout: 40_000, intervals: [500] }
    )
    .toBe(true);
  await expect(page.locator(ITEM)).toHaveAttribute('data-state', 'shut-down');

  // The server's entries of this test: its warning, then the shutdown.
  let shutdown: any;
  await expect
    .poll(
      async () => {
        const history = await api(request, 'history');
        shutdown = history.entries.find(
          (e: any) => e.id > before && e.kind === 'shutdown'
        );
        return shutdown !== undefined;
      },
      { timeout: 10_000 }
    )
    .toBe(true);
  const mine = (await api(request, 'history')).entries.filter(
    (e: any) => e.id > before
  );
  expect(mine.map((e: any) => e.kind)).toContain('warning');
  expect(shutdown.saved).toContain(`${tmpPath}/${name}`);
  expect(shutdown.dry_run).toBe(false);
  expect(shutdown.action).toMatch(/delete the JupyterLab app/);
  // Nobody came back yet (the server has not started again): no notice,
  // nothing claimed.
  expect(shutdown.came_back_at).toBeNull();
  expect((await api(request, 'history')).notice).toBeNull();
  await expect(noticeToast(page)).toHaveCount(0);

  // The server outlives the emulated DeleteApp, and with the short timeout
  // its next idle warning would come every few seconds (each toast takes the
  // focus, closing the palette): the admin's timeout again first.
  await adminSettings(request);
  await restartIdleClock(request, 'test: the shutdown is over');

  // In the page: the palette's command, newest first.
  const view = await openHistory(page);
  const first = view.locator('[data-testid="smcost-history-row"]').first();
  await expect(first).toHaveAttribute('data-id', String(shutdown.id));
  await expect(first).toHaveAttribute('data-kind', 'shutdown');
  await expect(first.getByTestId('smcost-history-kind')).toHaveText('Stopped');
  await expect(first.getByTestId('smcost-history-documents')).toHaveText(
    `Saved: ${tmpPath}/${name}`
  );
  await expect(first.getByTestId('smcost-history-avoided')).toHaveText('—');
  // The warning before it is listed after it.
  const rows = view.locator('[data-testid="smcost-history-row"]');
  const kinds = await rows.evaluateAll(nodes =>
    nodes.map(n => (n as HTMLElement).dataset.kind)
  );
  expect(kinds.indexOf('warning')).toBeGreaterThan(0);
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Close' })
    .click();
  await expect(view).toHaveCount(0);

  // And behind the Cost panel's link.
  await page.evaluate(() =>
    window.jupyterapp.commands.execute('jupyter-smcost:open-cost-panel')
  );
  await page.locator('[data-testid="smcost-idle-history"]').click();
  await expect(
    page.locator('.jp-Dialog [data-testid="smcost-history-row"]').first()
  ).toHaveAttribute('data-id', String(shutdown.id));
});

test.describe('the notice of the last shutdown', () => {
  test.use(quietStart);

  test('is shown at the next start with "Show history", and marked seen', async ({
    page,
    request
  }) => {
    // The server's real history, its last shutdown (or a made-up one if
    // none yet) as the next start would leave it: came back 12 h later.
    const real = await api(request, 'history');
    const shutdowns = real.entries.filter((e: any) => e.kind === 'shutdown');
    const last = shutdowns[shutdowns.length - 1];
    const notice = {
      ...(last ?? {
        id: 1,
        at: new Date(Date.now() - 12 * 3600_000).toISOString(),
        kind: 'shutdown',
        reason: 'timeout',
        idle_seconds: 6,
        rate_usd_per_hour: 1.41,
        saved: ['a.ipynb'],
        unsaved: [],
        action: 'requested: delete the app',
        dry_run: false
      }),
      came_back_at: new Date().toISOString(),
      avoided_usd: 16.87
    };
    await page.route(/\/jupyter-smcost\/history(\?|$)/, route =>
      route.fulfill({
        json: {
          entries: [
            ...real.entries.filter((e: any) => e.id !== notice.id),
            notice
          ],
          notice,
          limit: real.limit
        }
      })
    );
    const seen = page.waitForRequest(
      r =>
        r.method() === 'POST' &&
        /\/jupyter-smcost\/history\/seen(\?|$)/.test(r.url())
    );
    await page.goto();
    const toast = noticeToast(page);
    await expect(toast).toBeVisible();
    await expect(toast.locator('.jp-toast-message')).toHaveText(
      /^Stopped at \d\d:\d\d after \d+ (s|min) idle; (\d+ (notebook|document)s? saved; )?~\$16\.87 not spent$/
    );
    expect((await seen).postDataJSON()).toEqual({ id: notice.id });
    await toast.getByRole('button', { name: 'Show history' }).click();
    const row = page
      .locator('.jp-Dialog [data-testid="smcost-history-row"]')
      .first();
    await expect(row).toHaveAttribute('data-id', String(notice.id));
    await expect(row.getByTestId('smcost-history-avoided')).toHaveText(
      '~$16.87'
    );
  });
});

/**
 * A history pinned for the screenshots (times in UTC, the page's zone): the
 * shutdown of the example and the events before it.
 */
function pinnedHistory() {
  const base = {
    reason: 'timeout',
    rate_usd_per_hour: 0.944,
    saved: [],
    unsaved: [],
    action: null,
    dry_run: false,
    came_back_at: null,
    avoided_usd: null
  };
  const shutdown = {
    ...base,
    id: 42,
    at: '2026-11-26T19:42:00+00:00',
    kind: 'shutdown',
    idle_seconds: 3600,
    saved: ['analysis.ipynb', 'notes.ipynb'],
    action:
      "requested: delete the JupyterLab app 'default' of space 'demo-space'",
    came_back_at: '2026-11-27T07:40:00+00:00',
    avoided_usd: 11.3
  };
  return {
    entries: [
      {
        ...base,
        id: 38,
        at: '2026-11-25T12:55:00+00:00',
        kind: 'warning',
        idle_seconds: 3300
      },
      {
        ...base,
        id: 39,
        at: '2026-11-25T12:57:00+00:00',
        kind: 'keep-running',
        idle_seconds: 3420
      },
      {
        ...base,
        id: 40,
        at: '2026-11-26T19:37:00+00:00',
        kind: 'postponed',
        idle_seconds: 3300,
        unsaved: [{ path: 'draft.ipynb', error: 'disk full' }]
      },
      {
        ...base,
        id: 41,
        at: '2026-11-26T19:37:30+00:00',
        kind: 'warning',
        idle_seconds: 3330
      },
      shutdown
    ],
    notice: shutdown,
    limit: 200
  };
}

test.describe('history screenshots', () => {
  test.use({ ...quietStart, timezoneId: 'UTC' });

  for (const theme of ['light', 'dark'] as const) {
    test(`notice and history, ${theme}`, async ({ page }) => {
      await page.route(/\/jupyter-smcost\/history(\?|$)/, route =>
        route.fulfill({ json: pinnedHistory() })
      );
      // The pinned notice is not the server's: its seen changes nothing.
      await page.route(/\/jupyter-smcost\/history\/seen(\?|$)/, route =>
        route.fulfill({ json: { seen: true, notice: null } })
      );
      await page.goto();
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      const toast = noticeToast(page);
      await expect(toast.locator('.jp-toast-message')).toHaveText(
        'Stopped at 19:42 after 60 min idle; 2 notebooks saved; ~$11.30 not spent'
      );
      const shot = await toast.screenshot();
      expect(shot).toMatchSnapshot(`history-notice-${theme}.png`);
      await toast.getByRole('button', { name: 'Show history' }).click();
      const dialog = page.locator('.jp-Dialog-content');
      await expect(
        dialog.locator('[data-testid="smcost-history-row"]')
      ).toHaveCount(5);
      const picture = await dialog.screenshot();
      expect(picture).toMatchSnapshot(`history-dialog-${theme}.png`);
      if (process.env.SMCOST_README_IMAGES === '1' && theme === 'light') {
        fs.mkdirSync(README_IMAGES, { recursive: true });
        fs.writeFileSync(path.join(README_IMAGES, 'history-notice.png'), shot);
        fs.writeFileSync(path.join(README_IMAGES, 'history.png'), picture);
      }
    });
  }
});
