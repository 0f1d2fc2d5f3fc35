import { expect, test } from '@jupyterlab/galata';

import { api, COST_PANEL, ITEM } from './helpers';

// The server on port 8889: `allow_user_override = False`, timeout 30 min;
// `c.Schedule.user_may_change = False` and no admin's stop time.

test('a timeout fixed by the administrator is read-only', async ({
  page,
  request
}) => {
  await expect(page.locator(ITEM)).toHaveText(/stops in (30|29) min/);
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('settingeditor:open', {
      query: 'SageMaker idle shutdown'
    });
  });
  const main = page.getByRole('main');
  await expect(main).toContainText(
    'Your administrator fixed the idle timeout at 30 min; it cannot be changed here.'
  );
  const timeout = page.locator(
    'input[id="jp-SettingsEditor-jupyter-smcost:plugin_timeoutMinutes"]'
  );
  await expect(timeout).toHaveValue('30');
  await expect(timeout).not.toBeEditable();
  const warning = page.locator(
    'input[id="jp-SettingsEditor-jupyter-smcost:plugin_warningMinutes"]'
  );
  await expect(warning).not.toBeEditable();

  const refused = await api(request, 'config', {
    method: 'PUT',
    body: { timeout_minutes: 45 }
  });
  expect(refused.status).toBe(403);
  expect((await api(request, 'config')).timeout_minutes).toBe(30);
});

test('a stop time the administrator does not let users choose: no control, and refused', async ({
  page,
  request
}) => {
  // Loaded again to see the page read the schedule before looking.
  const read = page.waitForResponse(
    response =>
      response.url().includes('/jupyter-smcost/schedule') &&
      response.request().method() === 'GET'
  );
  await page.goto();
  expect((await (await read).json()).user_may_change).toBe(false);
  await expect(page.locator(ITEM)).toHaveText(/stops in/);
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('jupyter-smcost:open-cost-panel');
  });
  const idle = page.locator(`${COST_PANEL} [data-testid="smcost-idle"]`);
  await expect(idle).toBeVisible();
  // Nothing to say or set: no working hours at all.
  await expect(idle.getByTestId('smcost-working-hours')).toBeHidden();
  await expect(idle.getByTestId('smcost-stop-at')).toBeHidden();

  const refused = await api(request, 'schedule', {
    method: 'PUT',
    body: { stop_at: '18:00', timezone: 'UTC' }
  });
  expect(refused.status).toBe(403);
  expect(refused.message).toBe(
    'the admin does not allow users to change the stop time'
  );
  expect((await api(request, 'schedule')).stop_at).toBeNull();
});
