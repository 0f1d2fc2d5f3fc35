import { expect, test } from '@jupyterlab/galata';

import {
  adminSettings,
  api,
  eachInFreshStudio,
  emulatorApps,
  emulatorCalls,
  ITEM,
  recordHeartbeats,
  restartIdleClock,
  shortTimeout
} from './helpers';

eachInFreshStudio(async request => {
  await adminSettings(request);
  await restartIdleClock(request, 'test teardown');
});

/**
 * A notebook's file as the server has it.
 */
async function readNotebook(
  request: import('@playwright/test').APIRequestContext,
  path: string
): Promise<{ text: string; lastModified: number }> {
  const response = await request.get(
    `/api/contents/${path}?content=1&type=notebook`
  );
  expect(response.ok()).toBe(true);
  const model = await response.json();
  const text = model.content.cells
    .map((cell: { source: string | string[] }) =>
      Array.isArray(cell.source) ? cell.source.join('') : cell.source
    )
    .join('\n');
  return { text, lastModified: Date.parse(model.last_modified) };
}

test('an edited, unsaved notebook is saved before the app is deleted', async ({
  page,
  request,
  tmpPath
}) => {
  const name = 'unsaved.ipynb';
  await page.notebook.createNew(name);
  await page.notebook.setCell(0, 'code', 'print("saved by the idle shutdown")');
  await expect(page.locator('.jp-mod-dirty')).not.toHaveCount(0);
  const before = await readNotebook(request, `${tmpPath}/${name}`);
  expect(before.text).not.toContain('saved by the idle shutdown');

  await shortTimeout(request, 0.1, 0.05);
  let deleteApp: { timestamp: number } | undefined;
  await expect
    .poll(
      async () => {
        deleteApp = (await emulatorCalls(request)).find(
          call => call.action === 'DeleteApp'
        );
        return deleteApp !== undefined;
      },
      { timeout: 40_000, intervals: [500] }
    )
    .toBe(true);

  const after = await readNotebook(request, `${tmpPath}/${name}`);
  expect(after.text).toContain('saved by the idle shutdown');
  // The save reached the disk before DeleteApp reached AWS.
  const margin = deleteApp!.timestamp * 1000 - after.lastModified;
  console.log(`DeleteApp came ${margin} ms after the notebook was saved`);
  expect(margin).toBeGreaterThan(0);
  expect(await page.locator('.jp-mod-dirty').count()).toBe(0);
  await expect
    .poll(async () => (await emulatorApps(request))[0].Status)
    .toMatch(/Deleting|Deleted/);
  await expect(page.locator(ITEM)).toHaveAttribute('data-state', 'shut-down');
});

test('a document that cannot be saved postpones the shutdown', async ({
  page,
  request,
  tmpPath
}) => {
  // A notebook in a folder that disappears once it is open: its save fails
  // (as root, a read-only file would still be written).
  const folder = `${tmpPath}/doomed`;
  await page.contents.createDirectory(folder);
  await request.put(`/api/contents/${folder}/work.ipynb`, {
    data: {
      type: 'notebook',
      format: 'json',
      content: {
        cells: [
          {
            cell_type: 'code',
            source: '',
            metadata: {},
            outputs: [],
            execution_count: null
          }
        ],
        metadata: {
          kernelspec: {
            name: 'python3',
            display_name: 'Python 3 (ipykernel)',
            language: 'python'
          }
        },
        nbformat: 4,
        nbformat_minor: 5
      }
    }
  });
  await page.notebook.openByPath(`${folder}/work.ipynb`);
  await page.notebook.setCell(0, 'code', 'unsaved = "work in progress"');
  await expect(page.locator('.jp-mod-dirty')).not.toHaveCount(0);
  const moved = await request.patch(`/api/contents/${folder}`, {
    data: { path: `${tmpPath}/moved-away` }
  });
  expect(moved.ok()).toBe(true);

  await shortTimeout(request, 0.1, 0.05);
  // Every tab says why.
  const notice = page.locator('.Toastify__toast', {
    hasText: /^Shutdown postponed by \d+ min: could not save .*work\.ipynb/
  });
  await notice.waitFor({ timeout: 40_000 });
  const status = await api(request, 'status');
  expect(status.idle.error).toMatch(/could not save .*work\.ipynb/);
  expect(['active', 'warning']).toContain(status.idle.state);
  expect(await emulatorCalls(request)).not.toContainEqual(
    expect.objectContaining({ action: 'DeleteApp' })
  );
  expect((await emulatorApps(request))[0].Status).toBe('InService');
  // The edit is still in the page, not lost.
  await expect(page.locator('.jp-mod-dirty')).not.toHaveCount(0);
});

test('typing in a notebook with no kernel keeps the app running', async ({
  page,
  request
}) => {
  await page.notebook.createNew('no-kernel.ipynb', { kernel: null });
  await page.notebook.enterCellEditingMode(0);
  const heartbeats = recordHeartbeats(page);
  // 6 s of idle time: only the heartbeat of the typing can keep it alive.
  await shortTimeout(request, 0.1, 0.05);
  const start = Date.now();
  const states = new Set<string>();
  while (Date.now() - start < 14_000) {
    await page.keyboard.type('x');
    states.add((await api(request, 'status')).idle.state);
    await page.waitForTimeout(500);
  }
  const status = await api(request, 'status');
  console.log(`heartbeats while typing: ${heartbeats.length}`, heartbeats);
  expect(status.idle.last_activity_source).toMatch(
    /^typing in no-kernel\.ipynb/
  );
  console.log(`states seen while typing: ${[...states].join(', ')}`);
  expect(states).not.toContain('shutting-down');
  expect(states).not.toContain('shut-down');
  expect(status.idle.state).toBe('active');
  expect(await emulatorCalls(request)).not.toContainEqual(
    expect.objectContaining({ action: 'DeleteApp' })
  );
});
