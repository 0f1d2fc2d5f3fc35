import { expect, test } from '@jupyterlab/galata';

import { api, ITEM } from './helpers';

// The server on port 8889: `allow_user_override = False`, timeout 30 min.

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
