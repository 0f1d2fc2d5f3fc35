/**
 * Working hours against the real server: a stop time the user chooses with
 * `PUT schedule` is what the status bar item says ("stops at HH:MM"), from
 * the idle status the server sends, and clearing it takes the line away.
 */
import { expect, test } from '@jupyterlab/galata';

import { api, eachInFreshStudio, ITEM, quietStart } from './helpers';

eachInFreshStudio(async request => {
  // No schedule left behind for the other tests.
  await api(request, 'schedule', { method: 'PUT', body: { stop_at: null } });
});

test.use({ ...quietStart, timezoneId: 'UTC' });

test('a chosen stop time shows in the status bar, and goes when cleared', async ({
  page,
  request
}) => {
  // Hours away, so the stop (and its warning) cannot come during the test.
  const at = new Date(Date.now() + 3 * 3600_000);
  const hhmm = `${String(at.getUTCHours()).padStart(2, '0')}:${String(
    at.getUTCMinutes()
  ).padStart(2, '0')}`;
  const reply = await api(request, 'schedule', {
    method: 'PUT',
    body: { stop_at: hhmm, timezone: 'UTC' }
  });
  expect(reply.status, reply.message).toBe(200);
  expect(reply.stop_at).toBe(hhmm);
  const status = await api(request, 'status');
  expect(status.idle.schedule.stop_at).toBe(hhmm);

  await page.goto();
  const item = page.locator(ITEM);
  // On a weekend the next stop is Monday's: the same time of day.
  await expect(item).toContainText(`stops at ${hhmm}`, { timeout: 20_000 });

  const cleared = await api(request, 'schedule', {
    method: 'PUT',
    body: { stop_at: null }
  });
  expect(cleared.status, cleared.message).toBe(200);
  await page.goto();
  await expect(item).toContainText(/idle/, { timeout: 20_000 });
  await expect(item).not.toContainText('stops at');
});
