/**
 * The cost: the status bar meter and the Cost panel, against the real server
 * in its simulated Studio space (the AWS emulator seeds ml.g5.xlarge and the
 * demo user's running resources, and serves the Price List API).
 *
 * Only the screenshots pin the answers (the real ones, with the figures that
 * move with time fixed); every other test reads what the server says.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';

import {
  api,
  clearEmulatorFaults,
  COST_METER,
  COST_PANEL,
  DEMO_RESOURCES,
  EMULATOR,
  emulatorFault,
  freshStudio,
  ITEM,
  OTHER_USER_JOB,
  pinCost,
  pinnedStatus,
  pinResources,
  quietStart,
  recordHeartbeats,
  RESOURCE_ROW
} from './helpers';

test.beforeEach(async ({ request }) => {
  await freshStudio(request);
});

test.afterEach(async ({ request }) => {
  // Never leave a fault for the next test (freshStudio clears them too).
  await clearEmulatorFaults(request);
});

/**
 * Format USD as the extension does for figures from $0.10 to $99,999:
 * cents below $100, whole dollars above (src/format.ts).
 */
function usd(value: number): string {
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: Math.abs(value) >= 99.995 ? 0 : 2,
    maximumFractionDigits: Math.abs(value) >= 99.995 ? 0 : 2
  }).format(value);
}

/**
 * A dollar figure in a text (`$0.024`, `$1,031`), as a number.
 */
function dollars(text: string): number {
  const match = /\$([\d,]+(?:\.\d+)?)/.exec(text);
  if (!match) {
    throw new Error(`no dollar figure in "${text}"`);
  }
  return Number(match[1].replace(/,/g, ''));
}

/**
 * Open the Cost panel from the command palette, as a user does.
 */
async function openFromPalette(page: Page): Promise<Locator> {
  await page.keyboard.press('Control+Shift+C');
  const palette = page.locator('#command-palette');
  await expect(palette).toBeVisible();
  await page.keyboard.type('Show SageMaker cost');
  await expect(
    palette.locator('.lm-CommandPalette-item.lm-mod-active')
  ).toHaveText(/Show SageMaker cost/);
  await page.keyboard.press('Enter');
  const panel = page.locator(COST_PANEL);
  await expect(panel).toBeVisible();
  return panel;
}

/**
 * Wait until the panel shows the cost and a complete listing.
 */
async function waitForListing(panel: Locator): Promise<void> {
  await expect(panel).toHaveAttribute('data-state', 'ready');
  await expect(panel.getByTestId('smcost-resources-status')).toHaveAttribute(
    'data-state',
    'ok',
    { timeout: 15_000 }
  );
  await expect(panel.locator(RESOURCE_ROW)).toHaveCount(
    Object.keys(DEMO_RESOURCES).length
  );
}

test.describe('cost meter', () => {
  test.use(quietStart);

  test('shows the rate and the session cost, and opens the Cost panel', async ({
    page,
    request
  }) => {
    await page.goto();
    const meter = page.locator(COST_METER);
    await expect(meter).toHaveAttribute('data-state', 'known', {
      timeout: 5000
    });
    const loadedIn = await page.evaluate(() => Math.round(performance.now()));
    console.log(`cost meter known ${loadedIn} ms after navigation start`);

    const cost = await api(request, 'cost');
    expect(cost.instance.instance_type).toBe('ml.g5.xlarge');
    // From the Price List API: at first hand, or from the server's cache of
    // it (the server asks again after 5 min and then reads its cache).
    expect(['price-list-api', 'cache']).toContain(cost.instance.price.source);
    const rate = `${usd(cost.usd_per_hour)}/h`;
    expect(rate).toBe('$1.41/h');
    await expect(meter).toHaveText(
      new RegExp(`^\\${rate} · \\$\\d+\\.\\d+ this session$`)
    );
    // The session cost is the server's, ticking at the rate since.
    const text = (await meter.textContent()) ?? '';
    const session = dollars(text.split('·')[1]);
    const later = await api(request, 'cost');
    expect(session).toBeGreaterThanOrEqual(cost.session_usd * 0.9 - 0.001);
    expect(session).toBeLessThanOrEqual(later.session_usd * 1.1 + 0.001);
    await expect(meter).toHaveAttribute(
      'title',
      /This space \(ml\.g5\.xlarge\) costs \$1\.41\/h, storage included\./
    );
    await expect(meter).toHaveAttribute('title', /Click for the Cost panel\./);
    // Right after the idle countdown in the status bar.
    const item = await page.locator(ITEM).boundingBox();
    const box = await meter.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(item!.x + item!.width);
    expect(box!.y).toBeCloseTo(item!.y, -1);

    const panel = page.locator(COST_PANEL);
    await expect(panel).toBeHidden();
    await meter.click();
    await expect(panel).toBeVisible();
    await expect(page.locator('#jupyter-smcost\\:cost-panel')).toBeVisible();
    await expect(panel).toHaveAttribute('data-state', 'ready');
    await expect(panel.getByTestId('smcost-rate')).toHaveText(rate);
  });
});

test.describe('Cost panel', () => {
  test('from the command palette: this space, idle countdown, resources, total', async ({
    page,
    request
  }) => {
    const heartbeats = recordHeartbeats(page);
    const panel = await openFromPalette(page);
    await waitForListing(panel);
    const cost = await api(request, 'cost');
    const listing = await api(request, 'resources');

    // This space.
    await expect(panel.getByTestId('smcost-environment-heading')).toHaveText(
      'This space'
    );
    await expect(panel.getByTestId('smcost-instance-type')).toHaveText(
      'ml.g5.xlarge'
    );
    await expect(panel.getByTestId('smcost-rate')).toHaveText(
      `${usd(cost.usd_per_hour)}/h`
    );
    await expect(panel.getByTestId('smcost-session')).toHaveText(
      /^\$\d+\.\d+ \(\d+ (s|min)\)$/
    );
    await expect(panel.getByTestId('smcost-per-day')).toHaveText(
      usd(cost.projection.per_day_usd)
    );
    await expect(panel.getByTestId('smcost-per-month')).toHaveText(
      usd(cost.projection.per_month_usd)
    );
    expect(usd(cost.projection.per_month_usd)).toMatch(/^\$1,0\d\d$/);
    const source = panel.getByTestId('smcost-price-source');
    await expect(source).toHaveText(
      /^Price: AWS Price List API( \(cached\))?, \d{4}-\d\d-\d\d$/
    );
    await expect(source).toHaveAttribute(
      'data-source',
      /^(price-list-api|cache)$/
    );
    await expect(source).toHaveAttribute(
      'title',
      new RegExp(`AWS Price List API, us-east-1, .*endpoint ${EMULATOR}`)
    );
    await expect(panel.getByTestId('smcost-storage')).toHaveText(
      `Storage: 20 GB, ${usd(20 * cost.storage.usd_per_gb_month)}/month (in the rate)`
    );

    // The idle countdown, and "Keep running" restarts it.
    const countdown = panel.getByTestId('smcost-countdown');
    await expect(countdown).toHaveAttribute('data-limit', 'timeout');
    await expect(countdown).toHaveText(
      /^Idle \d+ s · stops in (30|29) min \(idle timeout 30 min\)$/
    );
    await expect(panel.getByTestId('smcost-idle-cost')).toHaveText(
      /^Idle time so far: \$\d+\.\d+$/
    );
    // Idle for a few seconds (typing in the palette was activity) ...
    await expect(countdown).toHaveText(/^Idle ([4-9]|\d\d) s/, {
      timeout: 15_000
    });
    await panel.getByTestId('smcost-keep-running').click();
    // ... and back to nothing.
    await expect(countdown).toHaveText(/^Idle [0-2] s/);
    await expect(panel.getByTestId('smcost-keep-running-message')).toHaveText(
      'The idle clock starts again.'
    );
    await expect.poll(() => heartbeats).toContain('keep running');
    await expect
      .poll(
        async () => (await api(request, 'status')).idle.last_activity_source
      )
      .toBe('keep running');

    // The running resources: exactly the demo user's.
    await expect(panel.getByTestId('smcost-resources-scope')).toHaveText(
      '(yours, us-east-1)'
    );
    const rows = panel.locator(RESOURCE_ROW);
    const names = await rows.evaluateAll(trs =>
      trs.map(tr => (tr as HTMLElement).dataset.name)
    );
    expect(names.sort()).toEqual(Object.keys(DEMO_RESOURCES).sort());
    await expect(
      panel.locator(`${RESOURCE_ROW}[data-name="${OTHER_USER_JOB}"]`)
    ).toHaveCount(0);
    await expect(panel).not.toContainText(OTHER_USER_JOB);
    for (const [name, demo] of Object.entries(DEMO_RESOURCES)) {
      const row = panel.locator(`${RESOURCE_ROW}[data-name="${name}"]`);
      await expect(row).toHaveAttribute('data-kind', demo.kind);
      await expect(row).toHaveAttribute('data-price', 'known');
      await expect(row.getByTestId('smcost-resource-instances')).toHaveText(
        demo.instances
      );
      await expect(row.getByTestId('smcost-resource-rate')).toHaveText(
        /^\$\d+\.\d+\/h$/
      );
      await expect(row.getByTestId('smcost-resource-cost')).toHaveText(
        /^\$\d+\.\d+$/
      );
      const resource = listing.resources.find((r: any) => r.name === name);
      await expect(row.getByTestId('smcost-resource-rate')).toHaveText(
        `$${resource.usd_per_hour < 0.1 ? resource.usd_per_hour.toPrecision(2) : resource.usd_per_hour.toFixed(2)}/h`
      );
    }
    const kinds = async (kind: string) =>
      panel.locator(`${RESOURCE_ROW}[data-kind="${kind}"]`).count();
    expect(await kinds('training-job')).toBe(2);
    expect(await kinds('processing-job')).toBe(1);
    expect(await kinds('endpoint')).toBe(1);
    expect(await kinds('studio-app')).toBe(1);
    const row = (name: string) =>
      panel.locator(`${RESOURCE_ROW}[data-name="${name}"]`);
    await expect(
      row('demo-finetune-spot').getByTestId('smcost-resource-kind')
    ).toHaveText('Training job');
    await expect(
      row('demo-finetune-spot').locator('.jp-smcost-CostTable-detail')
    ).toContainText(/spot: billed 14 min of 4\d min/);
    await expect(
      row('demo-finetune-spot').getByTestId('smcost-resource-running')
    ).toHaveText(/^4\d min$/);
    await expect(
      row('demo-resnet-train').getByTestId('smcost-resource-running')
    ).toHaveText(/^2\d min$/);
    await expect(
      row('demo-endpoint').locator('.jp-smcost-CostTable-detail')
    ).toContainText('variant AllTraffic');
    await expect(
      row('demo-endpoint').getByTestId('smcost-resource-kind')
    ).toHaveText('Endpoint');
    await expect(
      row('demo-space-2/CodeEditor/default').getByTestId('smcost-resource-kind')
    ).toHaveText('Studio app');
    await expect(
      row('demo-space-2/CodeEditor/default').locator(
        '.jp-smcost-CostTable-detail'
      )
    ).toContainText('space demo-space-2, CodeEditor');

    // Each name the server gives a console URL for links to the AWS console,
    // in a new tab: every job, the endpoint, and the Studio app (its domain's
    // spaces page).
    for (const resource of listing.resources) {
      const link = row(resource.name).locator('th a');
      if (resource.console_url === null) {
        await expect(link).toHaveCount(0);
        continue;
      }
      await expect(link).toHaveText(resource.name);
      await expect(link).toHaveAttribute('href', resource.console_url);
      await expect(link).toHaveAttribute('target', '_blank');
      await expect(link).toHaveAttribute('rel', /noopener/);
      const consolePage =
        resource.kind === 'studio-app'
          ? 'studio/d-demo\\?tab=spaces'
          : `(jobs|processing-jobs|endpoints)/${resource.name}`;
      expect(resource.console_url).toMatch(
        new RegExp(
          '^https://us-east-1\\.console\\.aws\\.amazon\\.com/sagemaker/home' +
            `\\?region=us-east-1#/${consolePage}$`
        )
      );
    }
    await expect(panel.locator(`${RESOURCE_ROW} th a`)).toHaveCount(5);
    // A click opens the console in a new tab (answered here, never AWS).
    await page
      .context()
      .route(/console\.aws\.amazon\.com/, route =>
        route.fulfill({ contentType: 'text/html', body: 'AWS console' })
      );
    const popup = page.waitForEvent('popup');
    await row('demo-resnet-train').locator('th a').click();
    const consoleTab = await popup;
    expect(consoleTab.url()).toBe(
      listing.resources.find((r: any) => r.name === 'demo-resnet-train')
        .console_url
    );
    await consoleTab.close();

    // The total burn rate: the resources and this space.
    await expect(panel.getByTestId('smcost-total')).toHaveText(
      `Total: ${usd(listing.total_usd_per_hour + cost.usd_per_hour)}/h including this space`
    );
    await expect(panel.getByTestId('smcost-updated')).toHaveText(
      /^Listed from AWS \d+ s ago\.$/
    );
    await expect(panel.getByTestId('smcost-problems')).toBeHidden();
  });

  test('keyboard: Tab reaches the controls, Enter keeps the app running', async ({
    page,
    request
  }) => {
    const heartbeats = recordHeartbeats(page);
    // The status bar meter is a button for the keyboard too.
    const meter = page.locator(COST_METER);
    await expect(meter).toHaveAttribute('data-state', 'known');
    await meter.focus();
    await page.keyboard.press('Enter');
    const panel = page.locator(COST_PANEL);
    await expect(panel).toBeVisible();
    await waitForListing(panel);

    // From the panel's tab in the left sidebar, Tab goes through the panel.
    await page
      .locator(
        '.jp-SideBar.jp-mod-left li[data-id="jupyter-smcost:cost-panel"]'
      )
      .focus();
    const links = await api(request, 'resources').then(listing =>
      listing.resources
        .filter((r: any) => r.console_url !== null)
        .map((r: any) => `a:${r.name}`)
    );
    const seen: string[] = [];
    for (let i = 0; i < 2 + links.length; i++) {
      await page.keyboard.press('Tab');
      seen.push(
        await page.evaluate(() => {
          const el = document.activeElement as HTMLElement;
          return (
            el.dataset.testid ?? `${el.tagName.toLowerCase()}:${el.textContent}`
          );
        })
      );
    }
    expect(seen).toEqual(['smcost-refresh', 'smcost-keep-running', ...links]);

    // Back to "Keep running", and Enter.
    for (let i = 0; i < links.length; i++) {
      await page.keyboard.press('Shift+Tab');
    }
    const keep = panel.getByTestId('smcost-keep-running');
    await expect(keep).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(panel.getByTestId('smcost-keep-running-message')).toHaveText(
      'The idle clock starts again.'
    );
    await expect.poll(() => heartbeats).toContain('keep running');
    await expect(panel.getByTestId('smcost-countdown')).toHaveText(
      /^Idle [0-2] s/
    );
  });

  test('a missing permission: the listing is partial and says what to add', async ({
    page,
    request
  }) => {
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute(
        'jupyter-smcost:open-cost-panel'
      );
    });
    const panel = page.locator(COST_PANEL);
    await waitForListing(panel);

    await emulatorFault(request, {
      action: 'ListTrainingJobs',
      code: 'AccessDeniedException',
      message: 'not authorized',
      status: 400
    });
    const status = panel.getByTestId('smcost-resources-status');
    const refresh = panel.getByTestId('smcost-refresh');
    // The server lists again once its listing is older than
    // c.Resources.ttl_seconds (2 s here): "Refresh" until it has.
    await expect(async () => {
      await refresh.click();
      await expect(status).toHaveAttribute('data-state', 'partial', {
        timeout: 1000
      });
    }).toPass({ timeout: 20_000 });
    await expect(panel.getByTestId('smcost-resources-message')).toHaveText(
      'Some kinds of resources could not be listed:'
    );
    const problems = panel.getByTestId('smcost-problems');
    await expect(problems).toBeVisible();
    await expect(problems.locator('li')).toHaveText([
      'no permission for sagemaker:ListTrainingJobs: add it to the execution role (policy in README)'
    ]);
    await expect(problems.locator('li')).toHaveAttribute(
      'data-code',
      'permission'
    );
    // The rest is still listed.
    for (const name of [
      'demo-features-processing',
      'demo-endpoint',
      'demo-space-2/CodeEditor/default'
    ]) {
      await expect(
        panel.locator(`${RESOURCE_ROW}[data-name="${name}"]`)
      ).toHaveCount(1);
    }
    await expect(panel.getByTestId('smcost-total')).toBeVisible();
    const listing = await api(request, 'resources');
    expect(listing.state).toBe('partial');

    // Granted again: the next listing is complete.
    await clearEmulatorFaults(request);
    await expect(async () => {
      await refresh.click();
      await expect(status).toHaveAttribute('data-state', 'ok', {
        timeout: 1000
      });
    }).toPass({ timeout: 20_000 });
    await expect(problems).toBeHidden();
    await expect(panel.locator(RESOURCE_ROW)).toHaveCount(
      Object.keys(DEMO_RESOURCES).length
    );
  });
});

test.describe('cost screenshots', () => {
  test.use({
    ...quietStart,
    // Tall enough for the whole panel in the sidebar's usual width.
    viewport: { width: 1024, height: 1280 }
  });

  /**
   * Pin every answer that moves with time: the server's real cost and
   * listing with their times fixed, the idle status of `pinnedStatus`, and
   * the page's clock standing still.
   */
  async function pinned(page: Page): Promise<void> {
    await page.route(/\/jupyter-smcost\/status/, route =>
      route.fulfill({ json: pinnedStatus() })
    );
    await page.route(/\/jupyter-smcost\/cost/, async route => {
      const response = await route.fetch();
      route.fulfill({ response, json: pinCost(await response.json()) });
    });
    await page.route(/\/jupyter-smcost\/resources/, async route => {
      const response = await route.fetch();
      route.fulfill({ response, json: pinResources(await response.json()) });
    });
    await page.clock.setFixedTime(new Date('2026-11-26T16:20:00Z'));
  }

  for (const theme of ['light', 'dark'] as const) {
    test(`Cost panel, ${theme}`, async ({ page }) => {
      await pinned(page);
      await page.goto();
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      await page.evaluate(async () => {
        await window.jupyterapp.commands.execute(
          'jupyter-smcost:open-cost-panel'
        );
      });
      const panel = page.locator(COST_PANEL);
      await waitForListing(panel);
      await expect(panel.getByTestId('smcost-session')).toHaveText(
        '$3.53 (2 h 30 min)'
      );
      await expect(panel.getByTestId('smcost-countdown')).toHaveText(
        'Idle 12 min · stops in 48 min (idle timeout 1 h)'
      );
      await expect(panel.getByTestId('smcost-updated')).toHaveText(
        'Listed from AWS 0 s ago.'
      );
      // The whole panel fits: nothing is cut off in the picture.
      expect(
        await panel.evaluate(node => node.scrollHeight <= node.clientHeight)
      ).toBe(true);
      await expect(panel).toHaveScreenshot(`cost-panel-${theme}.png`);
    });
  }

  test('cost meter, light and dark', async ({ page }) => {
    await pinned(page);
    await page.goto();
    const meter = page.locator(COST_METER);
    await expect(meter).toHaveText('$1.41/h · $3.53 this session');
    await expect(meter).toHaveScreenshot('cost-meter-light.png');
    await page.theme.setDarkTheme();
    await expect(meter).toHaveScreenshot('cost-meter-dark.png');
  });
});
