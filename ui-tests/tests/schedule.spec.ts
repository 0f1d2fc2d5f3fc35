/**
 * Working hours in Chromium against the real server (its c.Schedule:
 * every day, stop times from 17:00 to 21:00, keep running until 22:00 at the
 * latest; jupyter_server_test_config.py): a stop time chosen with `PUT
 * schedule` is what the status bar says; the Cost panel's idle section shows
 * the bounds beside its time inputs, sets the user's own stop time and
 * "keep running until" by keyboard and shows the server's refusals as it
 * says them; a due stop that waits for a busy kernel offers "Stop now",
 * which asks first and then ends it. The picture for the README
 * (docs/images/schedule.png) is taken from pinned answers.
 */
import * as fs from 'fs';
import * as path from 'path';

import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';

import {
  adminSettings,
  api,
  COST_PANEL,
  eachInFreshStudio,
  emulatorApps,
  ITEM,
  midWordBreaks,
  pinAnswers,
  pinnedStatus,
  quietStart,
  restartIdleClock,
  shortTimeout
} from './helpers';

const README_IMAGES = path.resolve(__dirname, '..', '..', 'docs', 'images');

/**
 * A whole-hour zone where it is 18:xx now (`Etc/GMT-5` is UTC+5: POSIX's
 * sign). The browser runs in it and sends it with each `PUT schedule`, so
 * "in an hour" or "the next minute" is within the server's 17:00 to 21:00
 * whatever the time of day the tests run at.
 */
function eveningZone(now = new Date()): string {
  let offset = 18 - now.getUTCHours();
  if (offset > 14) {
    offset -= 24;
  }
  return offset === 0
    ? 'UTC'
    : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

const ZONE = eveningZone();

/**
 * `HH:MM` of an instant in `ZONE`, as the server reads a stop time.
 */
function hhmm(at: number): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: ZONE,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23'
  }).format(new Date(at));
}

async function openCostPanel(page: Page) {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('jupyter-smcost:open-cost-panel');
  });
  const panel = page.locator(COST_PANEL);
  await expect(panel).toBeVisible();
  return panel;
}

test.describe('working hours on the real server', () => {
  eachInFreshStudio(async request => {
    // No stop time, postponement or short timeout left for the other tests.
    await api(request, 'schedule', {
      method: 'PUT',
      body: { stop_at: null, keep_running_until: null }
    });
    await adminSettings(request);
    await restartIdleClock(request, 'test teardown');
  });

  test.use({ ...quietStart, timezoneId: ZONE });

  test('a chosen stop time shows in the status bar, and goes when cleared', async ({
    page,
    request
  }) => {
    // An hour away, so the stop (and its warning) cannot come during the test.
    const at = hhmm(Date.now() + 3600_000);
    const reply = await api(request, 'schedule', {
      method: 'PUT',
      body: { stop_at: at, timezone: ZONE }
    });
    expect(reply.status, reply.message).toBe(200);
    expect(reply.stop_at).toBe(at);
    const status = await api(request, 'status');
    expect(status.idle.schedule.stop_at).toBe(at);

    await page.goto();
    const item = page.locator(ITEM);
    await expect(item).toContainText(`stops at ${at}`, { timeout: 20_000 });

    const cleared = await api(request, 'schedule', {
      method: 'PUT',
      body: { stop_at: null }
    });
    expect(cleared.status, cleared.message).toBe(200);
    await page.goto();
    await expect(item).toContainText(/idle/, { timeout: 20_000 });
    await expect(item).not.toContainText('stops at');
  });

  test("the Cost panel: the bounds beside the inputs, the user's own stop time and keep running until, by keyboard", async ({
    page,
    request
  }) => {
    await page.goto();
    const panel = await openCostPanel(page);
    const hours = panel.getByTestId('smcost-working-hours');
    await expect(hours).toBeVisible();
    await expect(hours.getByRole('heading')).toHaveText('Working hours');
    await expect(hours.getByTestId('smcost-schedule-source')).toHaveText(
      'No daily stop time.'
    );
    // Its label names the input; the admin's bounds are its description.
    const stopAt = hours.getByLabel('Your stop time');
    await expect(stopAt).toHaveAttribute('min', '17:00');
    await expect(stopAt).toHaveAttribute('max', '21:00');
    await expect(stopAt).toHaveAccessibleDescription(
      'Your admin allows 17:00 to 21:00.'
    );
    await expect(hours.getByTestId('smcost-stop-at-hint')).toBeVisible();
    // Today's postponement needs a stop today: not yet.
    await expect(hours.getByTestId('smcost-keep-until')).toBeHidden();

    // Outside the bounds: the input says so, and the server's refusal is
    // shown as it says it.
    const message = hours.getByTestId('smcost-stop-at-message');
    await stopAt.fill('16:00');
    expect(await stopAt.evaluate(input => input.matches(':out-of-range'))).toBe(
      true
    );
    await stopAt.press('Enter');
    await expect(message).toHaveText(
      "stop_at 16:00 is outside the admin's bounds: the admin allows a stop time from 17:00 to 21:00"
    );

    // Within them, by keyboard: Tab to Set, Enter.
    const at = hhmm(Date.now() + 3600_000);
    await stopAt.fill(at);
    await stopAt.focus();
    const set = hours.getByTestId('smcost-stop-at-set');
    for (
      let i = 0;
      i < 4 && !(await set.evaluate(b => b === document.activeElement));
      i++
    ) {
      // A time input has a stop per field (hours, minutes, AM/PM).
      await page.keyboard.press('Tab');
    }
    await expect(set).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(message).toHaveText(`Your stop time is ${at} from now on.`);
    await expect(hours.getByTestId('smcost-schedule-source')).toHaveText(
      `Your stop time: ${at}, every day.`
    );
    await expect(hours.getByTestId('smcost-schedule')).toHaveText(
      `stops at ${at}`
    );
    await expect(page.locator(ITEM)).toContainText(`stops at ${at}`);
    const chosen = await api(request, 'schedule');
    expect(chosen.stop_at).toBe(at);
    expect(chosen.source).toBe('user');
    expect(chosen.timezone).toBe(ZONE);

    // Keep running until: its bound beside it, past it refused, then set.
    const keepUntil = hours.getByLabel('Keep running until');
    await expect(keepUntil).toBeVisible();
    await expect(keepUntil).toHaveAttribute('max', '22:00');
    await expect(keepUntil).toHaveAccessibleDescription(
      'Today only, until 22:00 at the latest.'
    );
    const kept = hours.getByTestId('smcost-keep-until-message');
    await keepUntil.fill('22:30');
    await keepUntil.press('Enter');
    await expect(kept).toHaveText(
      'keep_running_until 22:30 is later than the admin allows (22:00)'
    );
    await keepUntil.fill('21:45');
    await keepUntil.press('Enter');
    await expect(kept).toHaveText('The app keeps running until 21:45 today.');
    await expect(page.locator(ITEM)).toContainText('kept running until 21:45');
    await hours.getByTestId('smcost-keep-until-cancel').press('Enter');
    await expect(kept).toHaveText('The app stops at its scheduled time today.');
    await expect(page.locator(ITEM)).toContainText(`stops at ${at}`);

    // Back to the admin's, who set none.
    const reset = hours.getByRole('button', {
      name: "Go back to your admin's stop time (none if they set none)"
    });
    await reset.focus();
    await page.keyboard.press('Enter');
    await expect(message).toHaveText('No daily stop time now.');
    await expect(hours.getByTestId('smcost-schedule-source')).toHaveText(
      'No daily stop time.'
    );
    await expect(reset).toBeHidden();
    await expect(page.locator(ITEM)).not.toContainText('stops at');
    expect(await midWordBreaks(panel.getByTestId('smcost-idle'))).toEqual([]);
  });

  test('a due stop waits for a busy kernel; "Stop now" asks, then ends it and deletes the app', async ({
    page,
    request
  }) => {
    // The wait for the next minute, the save, the kernel's end and the
    // emulated delete: longer than the default 60 s.
    test.setTimeout(180_000);
    // A warning of seconds: the due stop comes at its minute.
    await shortTimeout(request, 30, 0.05);
    await page.goto();
    // A cell that runs for minutes, in a real kernel.
    await page.evaluate(async () => {
      const kernels = window.jupyterapp.serviceManager.kernels;
      const kernel = await kernels.startNew({ name: 'python3' });
      kernel.requestExecute({ code: 'import time; time.sleep(600)' });
    });
    await expect
      .poll(
        async () =>
          (await (await request.get('/api/kernels')).json()).map(
            (k: { execution_state: string }) => k.execution_state
          ),
        { timeout: 30_000 }
      )
      .toEqual(['busy']);

    // The next minute: due within a minute, whenever the server started.
    const minute = (Math.floor(Date.now() / 60_000) + 1) * 60_000;
    const reply = await api(request, 'schedule', {
      method: 'PUT',
      body: { stop_at: hhmm(minute), timezone: ZONE }
    });
    expect(reply.status, reply.message).toBe(200);
    await expect
      .poll(
        async () =>
          (await api(request, 'status')).idle.schedule_waiting_for_busy,
        { timeout: 90_000, intervals: [1000] }
      )
      .toBe(true);

    const panel = await openCostPanel(page);
    await expect(panel.getByTestId('smcost-countdown')).toHaveText(
      /the scheduled stop is due and waits for the running cells to finish\.$/,
      { timeout: 20_000 }
    );
    await expect(page.locator(ITEM)).toContainText('scheduled stop waiting');
    // The warning offers it too, once (not the server's notice as well).
    const toast = page.locator('.Toastify__toast', {
      hasText: 'The scheduled stop is due and waits for the running cells'
    });
    await expect(toast).toHaveCount(1);
    await expect(toast.getByRole('button', { name: 'Stop now' })).toBeVisible();
    await expect(
      page.locator('.Toastify__toast', { hasText: 'busy kernel(s)' })
    ).toHaveCount(0);

    // By keyboard: the dialog comes with Cancel focused.
    const stopNow = panel.getByTestId('smcost-stop-now');
    await stopNow.focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Stop the app now?');
    await expect(dialog).toContainText(
      'Stopping now ends all running kernels and terminals'
    );
    await expect(dialog).toContainText(
      'Open notebooks and files are saved first'
    );
    await expect(dialog).toContainText(
      "Then: delete the JupyterLab app 'default' of space 'demo-space'."
    );
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    // Cancelled: still waiting.
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    expect((await api(request, 'status')).idle.schedule_waiting_for_busy).toBe(
      true
    );

    await stopNow.focus();
    await page.keyboard.press('Enter');
    await dialog.getByRole('button', { name: 'Stop now' }).click();
    await expect
      .poll(async () => (await api(request, 'status')).idle.state, {
        timeout: 60_000
      })
      .toBe('shut-down');
    expect(
      (await emulatorApps(request)).find(app => app.AppName === 'default')
        ?.Status
    ).toMatch(/^(Deleting|Deleted)$/);
    // The busy kernel was ended, and the history says why the app stopped.
    expect(await (await request.get('/api/kernels')).json()).toEqual([]);
    const history = await api(request, 'history');
    const last = history.entries[history.entries.length - 1];
    expect(last.kind).toBe('shutdown');
    expect(last.reason).toBe('schedule');
    await expect(panel.getByTestId('smcost-stop-now')).toBeHidden();
  });
});

/**
 * `GET schedule` for the picture: the user's 18:30 on weekdays, within the
 * admin's 17:00 to 21:00 (times in UTC, the page's zone).
 */
function pinnedSchedule(): Record<string, unknown> {
  return {
    stop_at: '18:30',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    timezone: 'UTC',
    next_stop: '2026-11-26T18:30:00Z',
    keep_running_until: null,
    source: 'user',
    user_may_change: true,
    earliest_stop_at: '17:00',
    latest_stop_at: '21:00',
    max_keep_running_until: '22:00'
  };
}

test.describe('working hours screenshots', () => {
  test.use({ ...quietStart, timezoneId: 'UTC' });

  for (const theme of ['light', 'dark'] as const) {
    test(`the idle section's working hours, ${theme}`, async ({ page }) => {
      await pinAnswers(page);
      // After pinAnswers: the last route registered answers first.
      await page.route(/\/jupyter-smcost\/status/, route =>
        route.fulfill({
          json: pinnedStatus({
            schedule: {
              stop_at: '18:30',
              next_stop: '2026-11-26T18:30:00Z',
              keep_running_until: null
            },
            schedule_waiting_for_busy: false
          })
        })
      );
      await page.route(/\/jupyter-smcost\/schedule/, route =>
        route.request().method() === 'GET'
          ? route.fulfill({ json: pinnedSchedule() })
          : route.fallback()
      );
      await page.goto();
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      const panel = await openCostPanel(page);
      const section = panel.getByTestId('smcost-idle');
      const hours = section.getByTestId('smcost-working-hours');
      await expect(hours.getByTestId('smcost-schedule')).toHaveText(
        'stops at 18:30'
      );
      await expect(hours.getByTestId('smcost-schedule-source')).toHaveText(
        'Your stop time: 18:30, Mon–Fri.'
      );
      await expect(hours.getByLabel('Your stop time')).toHaveValue('18:30');
      await expect(hours.getByTestId('smcost-stop-at-reset')).toBeVisible();
      await expect(hours.getByTestId('smcost-keep-until-hint')).toHaveText(
        'Today only, until 22:00 at the latest.'
      );
      expect(await midWordBreaks(section)).toEqual([]);
      const shot = await section.screenshot();
      if (process.env.SMCOST_README_IMAGES === '1' && theme === 'light') {
        fs.mkdirSync(README_IMAGES, { recursive: true });
        fs.writeFileSync(path.join(README_IMAGES, 'schedule.png'), shot);
      }
    });
  }
});
