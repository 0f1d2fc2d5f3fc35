import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';

import { adminSettings, api, eachInFreshStudio, ITEM } from './helpers';

eachInFreshStudio(adminSettings);

const FIELD = 'jp-SettingsEditor-jupyter-smcost:plugin';

/**
 * Open the Settings Editor on this extension's settings.
 */
async function openSettings(page: Page) {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('settingeditor:open', {
      query: 'SageMaker idle shutdown'
    });
  });
  const main = page.getByRole('main');
  await expect(main.getByText('Idle timeout (minutes)')).toBeVisible();
  return {
    main,
    timeout: page.locator(`input[id="${FIELD}_timeoutMinutes"]`),
    warning: page.locator(`input[id="${FIELD}_warningMinutes"]`)
  };
}

test('settings round trip: bounds, clamping, and changes from elsewhere', async ({
  page,
  request
}) => {
  const { main, timeout, warning } = await openSettings(page);
  // The effective value and the admin's bounds, from the server.
  await expect(main).toContainText(
    "Effective: 30 min (your administrator's default). Allowed: 0–1440 min"
  );

  // To the server, and applied at once.
  await timeout.fill('45');
  await expect
    .poll(async () => (await api(request, 'config')).user_timeout_minutes)
    .toBe(45);
  await expect(main).toContainText('Effective: 45 min (your setting)');
  await expect(page.locator(ITEM)).toHaveText(/stops in 4\d min/);
  await warning.fill('2');
  await expect
    .poll(async () => (await api(request, 'config')).user_warning_minutes)
    .toBe(2);

  // Another tab (or the admin) changes it: shown here without a reload, and
  // not sent back.
  const puts: string[] = [];
  page.on('request', r => {
    if (r.method() === 'PUT' && r.url().includes('/jupyter-smcost/config')) {
      puts.push(r.postData() ?? '');
    }
  });
  const elsewhere = await api(request, 'config', {
    method: 'PUT',
    body: { timeout_minutes: 20 }
  });
  expect(elsewhere.user_timeout_minutes).toBe(20);
  await expect(timeout).toHaveValue('20', { timeout: 5000 });
  await expect(main).toContainText('Effective: 20 min (your setting)');
  await expect(page.locator(ITEM)).toHaveText(/stops in (20|19) min/);

  // The editor flags a value above the maximum; nothing reaches the server.
  await timeout.fill('5000');
  await expect(main).toContainText('must be <= 1440');
  await page.waitForTimeout(2000);
  expect((await api(request, 'config')).user_timeout_minutes).toBe(20);
  await timeout.fill('-5');
  await expect(main).toContainText('must be >= 0');
  await timeout.fill('60');
  await expect
    .poll(async () => (await api(request, 'config')).user_timeout_minutes)
    .toBe(60);
  await page.waitForTimeout(1500);
  puts.length = 0;

  // A value sent without the editor is clamped by the server, and shown.
  const clamped = await api(request, 'config', {
    method: 'PUT',
    body: { timeout_minutes: 5000 }
  });
  expect(clamped.clamped).toBe(true);
  expect(clamped.message).toContain('outside the allowed range');
  await expect(timeout).toHaveValue('1440', { timeout: 5000 });
  await page.waitForTimeout(1500);
  expect(puts).toEqual([]);
  expect((await api(request, 'config')).user_timeout_minutes).toBe(1440);
});
