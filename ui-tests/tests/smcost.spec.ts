import { expect, galata, test } from '@jupyterlab/galata';

import {
  api,
  eachInFreshStudio,
  ITEM,
  pinnedStatus,
  quietStart,
  recordHeartbeats
} from './helpers';

eachInFreshStudio();

test.describe('status bar item', () => {
  test('shows the countdown', async ({ page }) => {
    const item = page.locator(ITEM);
    await expect(item).toBeVisible();
    await expect(item).toHaveText(/^idle \d+ (s|min) · stops in (30|29) min$/);
    await expect(item).toHaveAttribute('data-state', 'active');
    await expect(item).toHaveAttribute(
      'title',
      /At the timeout: delete the JupyterLab app 'default' of space 'demo-space'/
    );
    // Galata's start clicks the Launcher: real activity, with its age.
    await expect(item).toHaveAttribute(
      'title',
      /Last activity: (clicking in Launcher|test setup), \d+ s ago\./
    );
  });

  test('opens the details; "Keep running" reports activity', async ({
    page,
    request
  }) => {
    const heartbeats = recordHeartbeats(page);
    await page.locator(ITEM).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Idle shutdown');
    await expect(dialog).toContainText(/The timeout is in \d+ min, then:/);
    await expect(dialog).toContainText(/Last activity: .*, \d+ s ago\./);
    const keep = dialog.getByRole('button', { name: 'Keep running' });
    await expect(keep).toBeVisible();
    await keep.click();
    await expect(dialog).toHaveCount(0);
    await expect.poll(() => heartbeats).toContain('keep running');
    await expect(page.locator(ITEM)).toHaveAttribute(
      'title',
      /Last activity: keep running, \d+ s ago/
    );
    const status = await api(request, 'status');
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

test.describe('failing shutdown', () => {
  test.use(quietStart);

  test('shows why the app cannot be stopped', async ({ page }) => {
    await page.route(/\/jupyter-smcost\/status/, route =>
      route.fulfill({
        json: pinnedStatus({
          state: 'error',
          seconds_until_shutdown: null,
          error:
            'DeleteApp failed: AccessDeniedException: not authorized to perform sagemaker:DeleteApp',
          retry_at: '2026-11-26T16:21:00+00:00'
        })
      })
    );
    await page.goto();
    const item = page.locator(ITEM);
    await expect(item).toHaveText(
      /^cannot stop the app: DeleteApp failed: Acc.*…$/
    );
    await expect(item).toHaveAttribute('data-state', 'error');
    await expect(item).toHaveClass(/jp-mod-error/);
    await expect(item).toHaveAttribute('title', /will be retried/);
  });
});

test.describe('heartbeat', () => {
  test.use(quietStart);

  test('only real interaction is activity, one heartbeat a minute', async ({
    page,
    request
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
    const status = await api(request, 'status');
    expect(status.idle.last_activity_source).toBe(heartbeats[0]);
  });
});

/**
 * Galata's settings with a timeout (minutes) the user stored in an earlier
 * session.
 */
function storedTimeout(timeoutMinutes: number) {
  return {
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      'jupyter-smcost:plugin': { timeoutMinutes }
    }
  };
}

test.describe('settings from an earlier session', () => {
  test.use(storedTimeout(45));

  test('the timeout in the settings goes to the server', async ({
    page,
    request
  }) => {
    await expect
      .poll(async () => (await api(request, 'config')).user_timeout_minutes)
      .toBe(45);
    await expect(page.locator(ITEM)).toHaveText(/stops in 4\d min/);
  });
});

test.describe('settings out of bounds', () => {
  test.use(storedTimeout(5000));

  test('a stored timeout above the maximum shows and applies clamped', async ({
    page,
    request
  }) => {
    await expect
      .poll(async () => (await api(request, 'config')).user_timeout_minutes)
      .toBe(1440);
    await expect(page.locator(ITEM)).toHaveText(/stops in (1 d|23 h 59 min)$/);
    // The editor is not broken: it shows the value the server applies.
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('settingeditor:open', {
        query: 'SageMaker idle shutdown'
      });
    });
    const field = page.locator(
      'input[id="jp-SettingsEditor-jupyter-smcost:plugin_timeoutMinutes"]'
    );
    await expect(field).toHaveValue('1440');
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
