/**
 * The admin's fleet check in Chromium: a pinned `GET status` with
 * `idle.fleet_stop_after` (served through page.route) shows the notice
 * once, whose Keep running reports activity as the Cost panel's does, and
 * the same line in the Cost panel's idle section.
 */
import * as fs from 'fs';
import * as path from 'path';

import { expect, test } from '@jupyterlab/galata';

import {
  COST_PANEL,
  pinnedStatus,
  quietStart,
  recordHeartbeats
} from './helpers';

const README_IMAGES = path.resolve(__dirname, '..', '..', 'docs', 'images');

test.describe("admin's fleet check", () => {
  test.use({ ...quietStart, timezoneId: 'UTC' });

  test('notice once, Keep running, and the Cost panel line', async ({
    page
  }) => {
    await page.route(/\/jupyter-smcost\/status/, route =>
      route.fulfill({
        json: pinnedStatus({ fleet_stop_after: '2026-11-26T14:30:00Z' })
      })
    );
    const sources = recordHeartbeats(page);
    await page.goto();
    const text = "Your admin's fleet check will stop this app at 14:30";
    const toast = page.locator('.Toastify__toast', { hasText: text });
    await expect(toast).toHaveCount(1);
    const shot = await toast.screenshot();
    if (process.env.SMCOST_README_IMAGES === '1') {
      fs.mkdirSync(README_IMAGES, { recursive: true });
      fs.writeFileSync(path.join(README_IMAGES, 'fleet-notice.png'), shot);
    }
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute(
        'jupyter-smcost:open-cost-panel'
      );
    });
    await expect(
      page.locator(`${COST_PANEL} [data-testid="smcost-fleet-stop"]`)
    ).toHaveText(text);
    await toast.getByRole('button', { name: 'Keep running' }).click();
    await expect.poll(() => sources).toContain('keep running');
    // Polled again: still one notice for the same planned stop.
    await page.evaluate(() => new Promise(resolve => setTimeout(resolve, 500)));
    await expect(
      page.locator('.Toastify__toast', { hasText: text })
    ).toHaveCount(0);
  });
});
