import {
  expect,
  galata,
  IJupyterLabPageFixture,
  test
} from '@jupyterlab/galata';
import type { Page } from '@playwright/test';

/**
 * The status bar item (a stable class, see src/statusbar.ts).
 */
const ITEM = '.jp-smcost-StatusItem';

/**
 * A server answer pinned for screenshots: the text cannot move for a minute
 * (idle time rounds down, the countdown rounds up).
 */
function pinnedStatus(idle: Record<string, unknown> = {}) {
  return {
    version: '0.1.0',
    environment: {
      kind: 'local',
      region: 'us-east-1',
      instance_type: 'ml.t3.medium',
      domain_id: null,
      space_name: null,
      user_profile_name: null,
      app_type: null,
      app_name: null,
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
      dry_run: false,
      error: null,
      checker_running: true,
      last_check: '2026-11-26T16:20:00+00:00',
      save_request: null,
      ...idle
    }
  };
}

/**
 * Call the server extension from the page (a script: never counted as activity).
 */
async function api(
  page: IJupyterLabPageFixture,
  endPoint: string,
  init: { method?: string; body?: unknown } = {}
): Promise<any> {
  return page.evaluate(
    async ({ endPoint, method, body }) => {
      const response = await fetch(`/jupyter-smcost/${endPoint}`, {
        method: method ?? 'GET',
        body: body === undefined ? undefined : JSON.stringify(body)
      });
      return response.json();
    },
    { endPoint, method: init.method, body: init.body }
  );
}

/**
 * Wait for JupyterLab without clicking anything: Galata's default activates
 * the Launcher tab with a real click, which is (rightly) activity.
 */
const quietStart = {
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
function recordHeartbeats(page: IJupyterLabPageFixture): string[] {
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

test.afterEach(async ({ page }) => {
  // The server outlives the tests: give the next one the admin's timeout back.
  if (!page.isClosed()) {
    await api(page, 'config', {
      method: 'PUT',
      body: { timeout_minutes: null }
    }).catch(() => undefined);
  }
});

test.describe('status bar item', () => {
  test('shows the countdown', async ({ page }) => {
    const item = page.locator(ITEM);
    await expect(item).toBeVisible();
    await expect(item).toHaveText(/idle .* · stops in \d+ min \(dry run\)/);
    await expect(item).toHaveAttribute('data-state', 'active');
    await expect(item).toHaveAttribute('title', /At the timeout: dry-run/);
  });

  test('opens the details; "Keep running" reports activity', async ({
    page
  }) => {
    const heartbeats = recordHeartbeats(page);
    await page.locator(ITEM).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Idle shutdown');
    await expect(dialog).toContainText(/The timeout is in \d+ min, then:/);
    const keep = dialog.getByRole('button', { name: 'Keep running' });
    await expect(keep).toBeVisible();
    await keep.click();
    await expect(dialog).toHaveCount(0);
    await expect.poll(() => heartbeats).toContain('keep running');
    await expect(page.locator(ITEM)).toHaveAttribute(
      'title',
      /Last activity: keep running, \d+ s ago/
    );
    const status = await api(page, 'status');
    expect(status.idle.last_activity_source).toBe('keep running');
  });

  test('"Settings" opens the Settings Editor on the plugin', async ({
    page
  }) => {
    await page.locator(ITEM).click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Settings' })
      .click();
    await expect(
      page.getByRole('main').getByText('Idle timeout (minutes)')
    ).toBeVisible();
  });
});

test.describe('heartbeat', () => {
  test.use(quietStart);

  test('only real interaction is activity, one heartbeat a minute', async ({
    page
  }) => {
    const heartbeats = recordHeartbeats(page);
    await page.goto();
    await expect(page.locator(ITEM)).toHaveText(/stops in/);
    // Loading, polling and scripts never report activity.
    await page.evaluate(() => {
      document.body.dispatchEvent(new KeyboardEvent('keydown'));
      document.body.dispatchEvent(new PointerEvent('pointerdown'));
    });
    await page.waitForRequest(/\/jupyter-smcost\/status/);
    expect(heartbeats).toEqual([]);

    // A burst of typing: one heartbeat, at once.
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Shift');
    }
    await page.mouse.wheel(0, 100);
    await expect.poll(() => heartbeats.length).toBe(1);
    expect(heartbeats[0]).toMatch(/^typing in /);
    await page.waitForTimeout(1000);
    expect(heartbeats).toHaveLength(1);
    const status = await api(page, 'status');
    expect(status.idle.last_activity_source).toBe(heartbeats[0]);
  });
});

test.describe('settings', () => {
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      'jupyter-smcost:plugin': { timeoutMinutes: 45 }
    }
  });

  test('the timeout in the settings goes to the server', async ({ page }) => {
    await expect
      .poll(async () => (await api(page, 'config')).user_timeout_minutes)
      .toBe(45);
    await expect(page.locator(ITEM)).toHaveText(/stops in 4\d min/);
  });
});

test.describe('settings clamped', () => {
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      'jupyter-smcost:plugin': { timeoutMinutes: 2 }
    }
  });

  test('a clamped timeout is explained', async ({ page }) => {
    // The toast may close while the page loads: read the notification list.
    await expect
      .poll(async () => (await page.notifications).map(n => n.message))
      .toContainEqual(expect.stringMatching(/outside the allowed range/));
    await expect
      .poll(async () => (await api(page, 'config')).user_timeout_minutes)
      .toBe(5);
  });
});

test.describe('screenshots', () => {
  test.use(quietStart);

  test('status item, light and dark', async ({ page }) => {
    await page.route(/\/jupyter-smcost\/status/, route =>
      route.fulfill({ json: pinnedStatus() })
    );
    await page.goto();
    const item = page.locator(ITEM);
    await expect(item).toHaveText('idle 12 min · stops in 48 min');
    expect(await item.screenshot()).toMatchSnapshot('status-item-light.png');
    await page.theme.setDarkTheme();
    expect(await item.screenshot()).toMatchSnapshot('status-item-dark.png');
  });

  test('status item in the warning window', async ({ page }) => {
    await page.route(/\/jupyter-smcost\/status/, route =>
      route.fulfill({
        json: pinnedStatus({
          state: 'warning',
          idle_seconds: 3360,
          seconds_until_shutdown: 240
        })
      })
    );
    await page.goto();
    const item = page.locator(ITEM);
    await expect(item).toHaveText('idle 56 min · stops in 4 min');
    await expect(item).toHaveAttribute('data-state', 'warning');
    expect(await item.screenshot()).toMatchSnapshot('status-item-warning.png');
  });
});
