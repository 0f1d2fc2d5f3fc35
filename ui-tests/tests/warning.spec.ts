import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';

import {
  adminSettings,
  api,
  eachInFreshStudio,
  emulatorCalls,
  ITEM,
  pinnedStatus,
  quietStart,
  recordHeartbeats,
  shortTimeout,
  warningToast
} from './helpers';

// Back to the admin's 30 minutes before anything is stopped.
eachInFreshStudio(adminSettings);

/**
 * Open another JupyterLab tab in the same browser.
 */
async function openTab(page: Page): Promise<Page> {
  const other = await page.context().newPage();
  await other.goto(page.url());
  await other.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
  await expect(other.locator(ITEM)).toBeVisible();
  return other;
}

test.describe('idle warning', () => {
  test.use(quietStart);

  test('reaches every tab at once; "Keep running" in one ends it in all', async ({
    page,
    request
  }) => {
    await page.goto();
    await expect(page.locator(ITEM)).toHaveText(/stops in/);
    const other = await openTab(page);
    const heartbeats = recordHeartbeats(other);

    // In the page: when the server's warning event arrives, and when the
    // toast enters the page (Playwright's own waiting polls).
    await page.evaluate(() => {
      const marks: { [name: string]: number } = {};
      (window as any).smcostMarks = marks;
      window.jupyterapp.serviceManager.events.stream.connect(
        (_: unknown, event: any) => {
          if (
            event.schema_id?.includes('jupyter_smcost') &&
            event.state === 'warning' &&
            marks.event === undefined
          ) {
            marks.event = Date.now();
          }
        }
      );
      new MutationObserver(() => {
        if (
          marks.toast === undefined &&
          [...document.querySelectorAll('.Toastify__toast')].some(toast =>
            /unless you keep working/.test(toast.textContent ?? '')
          )
        ) {
          marks.toast = Date.now();
        }
      }).observe(document.body, { childList: true, subtree: true });
    });
    // 18 s of idle time, the last 12 s of them in the warning window.
    const status = await shortTimeout(request, 0.3, 0.2);
    const warningAt =
      Date.parse(status.idle.deadline) - status.idle.warning_seconds * 1000;
    expect(warningAt - Date.now()).toBeGreaterThan(3000);
    await expect(warningToast(page)).toHaveCount(0);

    await warningToast(page).waitFor({ timeout: 15_000 });
    const latency = Date.now() - warningAt;
    await warningToast(other).waitFor({ timeout: 5_000 });

    const latencyOther = Date.now() - warningAt;
    console.log(
      `warning latency: ${latency} ms (first tab), ${latencyOther} ms ` +
        '(second tab), from the server entering the warning state ' +
        '(deadline - warning) to the notification on screen'
    );
    const marks = await page.evaluate(() => (window as any).smcostMarks);
    console.log(
      `warning event received ${marks.event - warningAt} ms and toast in ` +
        `the page ${marks.toast - warningAt} ms after the server entered the ` +
        'warning state (first tab)'
    );
    expect(latency).toBeLessThanOrEqual(2000);
    expect(latencyOther).toBeLessThanOrEqual(2000);

    // A live countdown, and the status bar in the warning style.
    const toast = warningToast(page);
    const first = await toast.locator('.jp-toast-message').innerText();
    expect(first).toMatch(
      /^This app stops in 0:\d\d unless you keep working\./
    );
    await expect(toast.locator('.jp-toast-message')).not.toHaveText(first);
    await expect(page.locator(ITEM)).toHaveAttribute('data-state', 'warning');
    await expect(page.locator(ITEM)).toHaveClass(/jp-mod-warning/);

    // "Keep running" in the second tab.
    await warningToast(other)
      .getByRole('button', { name: 'Keep running' })
      .click();
    await expect.poll(() => heartbeats).toContain('keep running');
    await expect(warningToast(other)).toHaveCount(0);
    // ... ends the warning in the first tab too, through the server's event.
    await expect(warningToast(page)).toHaveCount(0, { timeout: 3000 });
    await expect(page.locator(ITEM)).toHaveAttribute('data-state', 'active');
    const after = await api(request, 'status');
    expect(after.idle.state).toBe('active');
    expect(await emulatorCalls(request)).not.toContainEqual(
      expect.objectContaining({ action: 'DeleteApp' })
    );
    await other.close();

    // The next warning: hidden by the user, it stays hidden (the countdown
    // does not bring it back every second); the status bar keeps counting.
    await warningToast(page).waitFor({ timeout: 15_000 });
    await warningToast(page).getByTitle('Hide notification').click();
    await expect(warningToast(page)).toHaveCount(0);
    await page.waitForTimeout(2500);
    await expect(warningToast(page)).toHaveCount(0);
    await expect(page.locator(ITEM)).toHaveAttribute('data-state', 'warning');
  });
});

test.describe('warning screenshots', () => {
  test.use(quietStart);

  for (const theme of ['light', 'dark'] as const) {
    test(`warning notification, ${theme}`, async ({ page }) => {
      await page.route(/\/jupyter-smcost\/status/, route =>
        route.fulfill({
          json: pinnedStatus({
            state: 'warning',
            idle_seconds: 3495,
            seconds_until_shutdown: 105
          })
        })
      );
      // The page's clock stands still (its timers run): the countdown and
      // the time of day in the text are fixed.
      await page.clock.setFixedTime(new Date('2026-11-26T16:20:00'));
      await page.goto();
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      const toast = warningToast(page);
      await expect(toast.locator('.jp-toast-message')).toHaveText(
        'This app stops in 1:45 unless you keep working.' +
          "At 04:21 PM: delete the JupyterLab app 'default' of space 'demo-space'."
      );
      await expect(
        toast.getByRole('button', { name: 'Keep running' })
      ).toBeVisible();
      expect(await toast.screenshot()).toMatchSnapshot(
        `warning-notification-${theme}.png`
      );
    });
  }
});
