/**
 * The cost: the status bar meter and the Cost panel, against the real server
 * in its simulated Studio space (the AWS emulator seeds ml.g5.xlarge and the
 * demo user's running resources, and serves the Price List API).
 *
 * Only the screenshots pin the answers (the real ones, with the figures that
 * move with time fixed); every other test reads what the server says.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

import {
  api,
  clearEmulatorFaults,
  COST_METER,
  COST_PANEL,
  DEMO_RESOURCES,
  EMULATOR,
  emulatorFault,
  freshStudio,
  openFromPalette,
  ITEM,
  OTHER_USER_JOB,
  pinAnswers,
  pinSuggestions,
  quietStart,
  recordHeartbeats,
  RESOURCE_ROW,
  settledResources,
  settledSuggestions,
  usd
} from './helpers';

/**
 * When the emulator was last seeded (ms since the epoch).
 */
let seededAt = 0;

test.beforeEach(async ({ request }) => {
  await freshStudio(request);
  seededAt = Date.now();
  // The demo's resources from the page's first listing on.
  await settledResources(request, seededAt);
});

test.afterEach(async ({ request }) => {
  // Never leave a fault for the next test (freshStudio clears them too).
  await clearEmulatorFaults(request);
});

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
 * Format an hourly rate as the panel does: two significant digits below
 * $0.10 (`$0.051/h`), else as `usd`.
 */
function rate(value: number): string {
  return `$${value < 0.1 ? value.toPrecision(2) : usd(value).slice(1)}/h`;
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
      // (and the badge's number of suggestions, once they have come)
      new RegExp(`^\\${rate} · \\$\\d+\\.\\d+ this session(\\d+)?$`)
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
    const panel = await openFromPalette(page, 'Show SageMaker cost');
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
      await expect(row).toHaveAttribute('data-expanded', 'false');
      // One line: the name, the instance type (without `ml.`) and count,
      // the rate and the cost so far; the whole type in the tooltip.
      await expect(row.getByTestId('smcost-resource-toggle')).toHaveText(name);
      const instances = row.getByTestId('smcost-resource-instances');
      await expect(instances).toHaveText(demo.line);
      await expect(instances).toHaveAttribute('title', demo.instances);
      await expect(row.getByTestId('smcost-resource-cost')).toHaveText(
        /^\$\d+\.\d+$/
      );
      const resource = listing.resources.find((r: any) => r.name === name);
      await expect(row.getByTestId('smcost-resource-rate')).toHaveText(
        rate(resource.usd_per_hour)
      );
      // The rest is behind the name.
      await expect(row.getByTestId('smcost-resource-more')).toBeHidden();
    }

    // Grouped by kind, the most expensive group first, each with its count
    // and rate, in the colours of the burn bar.
    const groups = panel.getByTestId('smcost-resource-group');
    await expect(groups).toHaveText([
      /^Training \(2\)\s*\$\d+\.\d\d\/h$/,
      /^Endpoints \(1\)\s*\$\d+\.\d\d\/h$/,
      /^Processing \(1\)\s*\$\d+\.\d\d\/h$/,
      /^Other apps \(1\)\s*\$0\.051\/h$/
    ]);
    const byKind = (kind: string) =>
      listing.resources
        .filter((r: any) => r.kind === kind)
        .reduce((sum: number, r: any) => sum + r.usd_per_hour, 0);
    for (const [category, kind] of [
      ['training', 'training-job'],
      ['endpoints', 'endpoint'],
      ['processing', 'processing-job'],
      ['apps', 'studio-app']
    ]) {
      const group = panel.locator(
        `[data-testid="smcost-resource-group"][data-category="${category}"]`
      );
      await expect(group).toContainText(rate(byKind(kind)));
      // The group's rows follow its heading.
      const rows = await panel
        .locator(`tbody[data-category="${category}"] ${RESOURCE_ROW}`)
        .evaluateAll(trs => trs.map(tr => (tr as HTMLElement).dataset.kind));
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows)).toEqual(new Set([kind]));
    }

    // The picture: the burn rate split by this space and the kinds, with a
    // legend that names each part and its rate.
    await expect(panel.getByTestId('smcost-picture')).toBeVisible();
    const bar = panel.getByTestId('smcost-burn-bar');
    await expect(bar.locator('rect[data-category]')).toHaveCount(5);
    await expect(panel.getByTestId('smcost-burn-item')).toHaveText([
      `This space ${rate(cost.usd_per_hour)}`,
      `Training ${rate(byKind('training-job'))}`,
      `Endpoints ${rate(byKind('endpoint'))}`,
      `Processing ${rate(byKind('processing-job'))}`,
      `Other apps ${rate(byKind('studio-app'))}`
    ]);
    // The bar's label carries the total; a running spot job's rate drifts
    // down between the page's listing and ours, so within a cent.
    const label = (await bar.getAttribute('aria-label')) ?? '';
    expect(label).toMatch(/^Burn rate \$[\d,.]+\/h: this space/);
    expect(
      Math.abs(
        dollars(label) - (listing.total_usd_per_hour + cost.usd_per_hour)
      )
    ).toBeLessThanOrEqual(0.011);
    // The price source once, in a footnote, rather than on every row.
    await expect(panel.getByTestId('smcost-price-footnote')).toHaveText(
      /^Prices: AWS Price List API( \(cached\))?, \d{4}-\d\d-\d\d\.$/
    );

    const row = (name: string) =>
      panel.locator(`${RESOURCE_ROW}[data-name="${name}"]`);
    // Pressing a name shows the rest of its row: the kind, the running
    // time, the whole instance type, the server's detail, the console link.
    const expand = async (name: string) => {
      const toggle = row(name).getByTestId('smcost-resource-toggle');
      await toggle.click();
      await expect(toggle).toHaveAttribute('aria-expanded', 'true');
      await expect(row(name)).toHaveAttribute('data-expanded', 'true');
      const more = row(name).getByTestId('smcost-resource-more');
      await expect(more).toBeVisible();
      return more;
    };
    const spot = await expand('demo-finetune-spot');
    await expect(spot.getByTestId('smcost-resource-kind')).toHaveText(
      'Training job'
    );
    await expect(spot).toContainText('ml.g5.2xlarge × 1 · spot');
    await expect(spot).toContainText(/spot: billed 14 min of 4\d min/);
    await expect(spot.getByTestId('smcost-resource-running')).toHaveText(
      /^4\d min$/
    );
    const resnet = await expand('demo-resnet-train');
    await expect(resnet.getByTestId('smcost-resource-running')).toHaveText(
      /^2\d min$/
    );
    const endpoint = await expand('demo-endpoint');
    await expect(endpoint).toContainText('variant AllTraffic');
    await expect(endpoint.getByTestId('smcost-resource-kind')).toHaveText(
      'Endpoint'
    );
    const app = await expand('demo-space-2/CodeEditor/default');
    await expect(app.getByTestId('smcost-resource-kind')).toHaveText(
      'Studio app'
    );
    await expect(app).toContainText('space demo-space-2, CodeEditor');
    await expand('demo-features-processing');
    // Pressed again, the row is one line again.
    await row('demo-endpoint').getByTestId('smcost-resource-toggle').click();
    await expect(row('demo-endpoint')).toHaveAttribute(
      'data-expanded',
      'false'
    );
    await expect(endpoint).toBeHidden();
    await expand('demo-endpoint');

    // Each resource the server gives a console URL for links to the AWS
    // console, in a new tab: every job, the endpoint, and the Studio app
    // (its domain's spaces page).
    for (const resource of listing.resources) {
      const link = row(resource.name).getByTestId('smcost-resource-link');
      if (resource.console_url === null) {
        await expect(link).toBeHidden();
        continue;
      }
      await expect(link).toBeVisible();
      await expect(link).toHaveText('AWS console');
      await expect(link).toHaveAttribute(
        'aria-label',
        `Open ${resource.name} in the AWS console (new tab)`
      );
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
    await expect(
      panel.locator(
        `${RESOURCE_ROW} [data-testid="smcost-resource-link"]:visible`
      )
    ).toHaveCount(5);
    // A click opens the console in a new tab (answered here, never AWS).
    await page
      .context()
      .route(/console\.aws\.amazon\.com/, route =>
        route.fulfill({ contentType: 'text/html', body: 'AWS console' })
      );
    const popup = page.waitForEvent('popup');
    await row('demo-resnet-train').getByTestId('smcost-resource-link').click();
    const consoleTab = await popup;
    expect(consoleTab.url()).toBe(
      listing.resources.find((r: any) => r.name === 'demo-resnet-train')
        .console_url
    );
    await consoleTab.close();

    // The total burn rate, the resources and this space, at the top of the
    // panel, where it stays while the panel scrolls.
    // Within a cent of our listing, as the burn bar's label: a running spot
    // job's rate drifts between the panel's listing and ours.
    const total = panel.getByTestId('smcost-total');
    await expect(total).toHaveText(
      /^Total: \$[\d,]+\.\d\d\/h including this space$/
    );
    expect(
      Math.abs(
        dollars((await total.textContent()) ?? '') -
          (listing.total_usd_per_hour + cost.usd_per_hour)
      )
    ).toBeLessThanOrEqual(0.011);
    await expect(panel.getByTestId('smcost-header')).toContainText(
      (await total.textContent()) ?? ''
    );
    // A SidePanel: its content scrolls under the header and the toolbar.
    const content = panel.getByTestId('smcost-content');
    await content.evaluate(node => (node.scrollTop = node.scrollHeight));
    expect(await content.evaluate(node => node.scrollTop)).toBeGreaterThan(0);
    await expect(total).toBeInViewport({ ratio: 1 });
    await expect(panel.getByTestId('smcost-refresh')).toBeInViewport();
    const [panelBox, totalBox] = [
      await panel.boundingBox(),
      await total.boundingBox()
    ];
    expect(totalBox!.y).toBeGreaterThanOrEqual(panelBox!.y);
    expect(totalBox!.y + totalBox!.height).toBeLessThanOrEqual(
      panelBox!.y + panelBox!.height
    );
    await expect(panel.getByTestId('smcost-updated')).toHaveText(
      /^Listed from AWS \d+ s ago\.$/
    );
    await expect(panel.getByTestId('smcost-problems')).toBeHidden();
    // Nothing awaited any more: JupyterLab's spinner is gone.
    await expect(panel.getByTestId('smcost-busy')).toBeHidden();
  });

  test('keyboard: Tab reaches the controls, Enter keeps the app running', async ({
    page
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
    // The savings cards have come (the demo has some): their controls are
    // in the tab order too.
    await expect(panel.getByTestId('smcost-suggestion').first()).toBeVisible({
      timeout: 15_000
    });

    // From the panel's tab in the left sidebar, Tab goes through the panel:
    // Refresh, the savings' controls, Keep running, History, then one button
    // per resource (its name), in the order of the rows.
    await page
      .locator(
        '.jp-SideBar.jp-mod-left li[data-id="jupyter-smcost:cost-panel"]'
      )
      .focus();
    const names = await panel
      .locator(RESOURCE_ROW)
      .evaluateAll(trs => trs.map(tr => (tr as HTMLElement).dataset.name));
    expect(names).toHaveLength(Object.keys(DEMO_RESOURCES).length);
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const row = el.closest<HTMLElement>(
          '[data-testid="smcost-resource-row"]'
        );
        return {
          id: el.dataset.testid ?? el.tagName.toLowerCase(),
          name: row?.dataset.name ?? null,
          inSavings: el.closest('[data-testid="smcost-savings"]') !== null
        };
      });
    await page.keyboard.press('Tab');
    expect((await focused()).id).toBe('smcost-refresh');
    const savings: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const el = await focused();
      if (el.id === 'smcost-keep-running') {
        break;
      }
      expect(el.inSavings, `${el.id} is a savings control`).toBe(true);
      savings.push(el.id);
    }
    await expect(panel.getByTestId('smcost-keep-running')).toBeFocused();
    // Each card's action buttons and Dismiss are on the way.
    const actions = await panel
      .locator(
        '[data-testid="smcost-suggestion"]:visible [data-testid="smcost-suggestion-action"]'
      )
      .count();
    const dismiss = await panel
      .locator(
        '[data-testid="smcost-suggestion"]:visible [data-testid="smcost-suggestion-dismiss"]'
      )
      .count();
    expect(dismiss).toBeGreaterThan(0);
    expect(
      savings.filter(id => id === 'smcost-suggestion-action')
    ).toHaveLength(actions);
    expect(
      savings.filter(id => id === 'smcost-suggestion-dismiss')
    ).toHaveLength(dismiss);
    // The idle section's History link follows Keep running, then its
    // working hours: the user's own stop time (the server lets users choose
    // one; a time input has a stop per field) and Set.
    await page.keyboard.press('Tab');
    await expect(panel.getByTestId('smcost-idle-history')).toBeFocused();
    const hours: string[] = [];
    let el = await focused();
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      el = await focused();
      if (el.id === 'smcost-resource-toggle') {
        break;
      }
      if (hours[hours.length - 1] !== el.id) {
        hours.push(el.id);
      }
    }
    expect(hours).toEqual(['smcost-stop-at-time', 'smcost-stop-at-set']);
    const rows: Array<string | null> = [el.name];
    for (let i = 1; i < names.length; i++) {
      await page.keyboard.press('Tab');
      el = await focused();
      expect(el.id).toBe('smcost-resource-toggle');
      rows.push(el.name);
    }
    expect(rows).toEqual(names);

    // Enter on a name shows the rest of its row, and its console link is
    // the next stop.
    const last = panel.locator(
      `${RESOURCE_ROW}[data-name="${names[names.length - 1]}"]`
    );
    await page.keyboard.press('Enter');
    await expect(last).toHaveAttribute('data-expanded', 'true');
    await expect(last.getByTestId('smcost-resource-more')).toBeVisible();
    await page.keyboard.press('Tab');
    await expect(last.getByTestId('smcost-resource-link')).toBeFocused();

    // Back to "Keep running" (past the rows, the working hours and
    // History), and Enter.
    const keep = panel.getByTestId('smcost-keep-running');
    for (let i = 0; i < names.length + 10; i++) {
      await page.keyboard.press('Shift+Tab');
      if ((await focused()).id === 'smcost-keep-running') {
        break;
      }
    }
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

    // Processing jobs are listed (SageMaker's Search does not cover them).
    await emulatorFault(request, {
      action: 'ListProcessingJobs',
      code: 'AccessDeniedException',
      message: 'not authorized',
      status: 400
    });
    const status = panel.getByTestId('smcost-resources-status');
    // The toolbar's refresh: JupyterLab's button, named by its tooltip.
    const refresh = panel.getByTestId('smcost-refresh');
    await expect(
      panel
        .getByTestId('smcost-toolbar')
        .getByRole('button', { name: 'Refresh the cost' })
    ).toBeVisible();
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
      'no permission for sagemaker:ListProcessingJobs: add it to the execution role (jupyter smcost policy --for user prints the policy)'
    ]);
    await expect(problems.locator('li')).toHaveAttribute(
      'data-code',
      'permission'
    );
    // The rest is still listed.
    for (const name of [
      'demo-resnet-train',
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
    viewport: { width: 1024, height: 1800 }
  });

  for (const theme of ['light', 'dark'] as const) {
    test(`Cost panel, ${theme}`, async ({ page, request }) => {
      await pinAnswers(page);
      // The demo's suggestions (not those of an earlier seed) from the start.
      const suggestions = await settledSuggestions(
        request,
        seededAt,
        document => document.suggestions.length > 0
      );
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
      await expect(panel.getByTestId('smcost-suggestion')).toHaveCount(
        pinSuggestions(suggestions).suggestions.length
      );
      await expect(panel.getByTestId('smcost-sparkline')).toBeVisible();
      await expect(panel.getByTestId('smcost-busy')).toBeHidden();
      // The whole panel fits: nothing is cut off in the picture.
      expect(
        await panel
          .getByTestId('smcost-content')
          .evaluate(node => node.scrollHeight <= node.clientHeight)
      ).toBe(true);
      await expect(panel).toHaveScreenshot(`cost-panel-${theme}.png`);
    });
  }

  test('cost meter, light and dark', async ({ page, request }) => {
    await pinAnswers(page);
    const suggestions = await settledSuggestions(
      request,
      seededAt,
      document => document.suggestions.length > 0
    );
    const count = pinSuggestions(suggestions).suggestions.length;
    await page.goto();
    const meter = page.locator(COST_METER);
    // The figures, and a badge with the number of suggestions.
    const badge = meter.getByTestId('smcost-savings-badge');
    await expect(badge).toHaveText(String(count));
    await expect(badge).toHaveAttribute(
      'aria-label',
      `${count} savings suggestions`
    );
    await expect(meter).toHaveText(`$1.41/h · $3.53 this session${count}`);
    await expect(meter).toHaveScreenshot('cost-meter-light.png');
    await page.theme.setDarkTheme();
    await expect(meter).toHaveScreenshot('cost-meter-dark.png');
  });
});
