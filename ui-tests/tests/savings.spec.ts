/**
 * The savings suggestions in the Cost panel, against the real server in its
 * simulated Studio space seeded with the savings demo (an idle endpoint, two
 * low-traffic endpoints, short completed jobs, spot history, an untagged
 * job, a cross-region job, Docker access off): the pictures at the
 * sidebar's narrowest and a wide width, an action through its confirmation
 * down to the emulated AWS call, a dismissal that survives a reload, and
 * the whole way by keyboard.
 *
 * Only the screenshots pin the answers (the real ones, with the figures that
 * move with time fixed); every other test reads what the server says.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';

import {
  api,
  COST_METER,
  COST_PANEL,
  DEMO_RESOURCES,
  emulatorCalls,
  freshStudio,
  IDLE_ENDPOINT,
  IDLE_ENDPOINT_CONFIG,
  midWordBreaks,
  openFromPalette,
  pinAnswers,
  pinSuggestions,
  quietStart,
  RESOURCE_ROW,
  SAVINGS_DEMO_RESOURCES,
  savingsStudio,
  settledResources,
  settledSuggestions,
  usd
} from './helpers';

const CARD = '[data-testid="smcost-suggestion"]';

/**
 * The suggestions of the savings demo, as the server answered once it had
 * computed them after this test's seed.
 */
let suggestions: any = null;

/**
 * The suggestions a test dismissed, shown again after it.
 */
const dismissed = new Set<string>();

test.beforeEach(async ({ request }) => {
  await savingsStudio(request);
  const seededAt = Date.now();
  // The page's first answers are the demo's: its listing, and suggestions
  // computed from it (the idle endpoint's from this seed's CloudWatch
  // metrics).
  await settledResources(request, seededAt);
  suggestions = await settledSuggestions(request, seededAt, document =>
    document.suggestions.some(
      (s: any) =>
        s.rule === 'idle-endpoint' && s.resource?.name === IDLE_ENDPOINT
    )
  );
});

test.afterEach(async ({ request }) => {
  for (const id of dismissed) {
    const restored = await api(
      request,
      `suggestions/${encodeURIComponent(id)}/dismiss`,
      { method: 'DELETE' }
    );
    expect(restored.status).toBe(200);
  }
  dismissed.clear();
});

/**
 * The suggestion of a rule (and resource) in the server's answer.
 */
function suggestion(rule: string, name?: string): any {
  const found = suggestions.suggestions.find(
    (s: any) =>
      s.rule === rule && (name === undefined || s.resource?.name === name)
  );
  if (!found) {
    throw new Error(`no ${rule} suggestion for ${name ?? 'any resource'}`);
  }
  return found;
}

/**
 * Run one of the Cost panel's commands, and wait for the panel and its
 * answers.
 */
async function openByCommand(page: Page, command: string): Promise<Locator> {
  await page.evaluate(async id => {
    await window.jupyterapp.commands.execute(id);
  }, command);
  const panel = page.locator(COST_PANEL);
  await expect(panel).toBeVisible();
  await expect(panel).toHaveAttribute('data-state', 'ready');
  return panel;
}

/**
 * Open the Cost panel at its savings, as the command does.
 */
function openSavings(page: Page): Promise<Locator> {
  return openByCommand(page, 'jupyter-smcost:show-savings');
}

/**
 * Open the Cost panel (not at its savings: the pictures show no focus).
 */
function openPanel(page: Page): Promise<Locator> {
  return openByCommand(page, 'jupyter-smcost:open-cost-panel');
}

/**
 * The card of a suggestion in the panel.
 */
function card(panel: Locator, id: string): Locator {
  return panel.locator(`${CARD}[data-id="${id}"]`);
}

/**
 * Drag the left sidebar's edge until the panel is `width` px wide, as a user
 * does, and scroll the panel to its top. (Galata's `sidebar.setWidth` drags
 * the edge to an absolute position, which may leave the panel a pixel off;
 * a drag by the difference moves the edge by exactly that.)
 */
async function setSidebarWidth(
  page: Page,
  panel: Locator,
  width: number
): Promise<void> {
  const measure = async () => (await panel.boundingBox())!.width;
  const handle = page
    .locator('#jp-main-split-panel > .lm-SplitPanel-handle:not(.lm-mod-hidden)')
    .first();
  for (let i = 0; i < 3 && (await measure()) !== width; i++) {
    const box = (await handle.boundingBox())!;
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + (width - (await measure())), y, { steps: 4 });
    await page.mouse.up();
  }
  expect(await measure()).toBe(width);
  await panel
    .getByTestId('smcost-content')
    .evaluate(node => (node.scrollTop = 0));
}

/**
 * Whether nothing sticks out sideways: neither the panel nor its content
 * (which scrolls) is wider than it shows.
 */
async function fitsSideways(panel: Locator): Promise<boolean> {
  for (const node of [panel, panel.getByTestId('smcost-content')]) {
    if (!(await node.evaluate(n => n.scrollWidth <= n.clientWidth))) {
      return false;
    }
  }
  return true;
}

/**
 * Show every card ("Show all") and every resource's rest; or (`show`
 * false) only the first cards and one line per resource.
 */
async function showEverything(
  panel: Locator,
  cards: number,
  show = true
): Promise<void> {
  const more = panel.getByTestId('smcost-suggestions-more');
  if ((await more.getAttribute('aria-expanded')) !== String(show)) {
    await more.click();
  }
  await expect(panel.locator(`${CARD}:visible`)).toHaveCount(cards);
  const toggles = panel.locator(
    `[data-testid="smcost-resource-toggle"][aria-expanded="${!show}"]`
  );
  while ((await toggles.count()) > 0) {
    await toggles.first().click();
  }
}

test.describe('savings screenshots', () => {
  test.use({
    ...quietStart,
    // 900 px high: the total must show without scrolling.
    viewport: { width: 1280, height: 900 }
  });

  for (const theme of ['light', 'dark'] as const) {
    test(`Cost panel with suggestions, ${theme}, 250 and 560 px`, async ({
      page
    }) => {
      await pinAnswers(page);
      const pinned = pinSuggestions(suggestions);
      await page.goto();
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      const panel = await openPanel(page);
      await expect(
        panel.getByTestId('smcost-resources-status')
      ).toHaveAttribute('data-state', 'ok', { timeout: 15_000 });
      await expect(panel.locator(RESOURCE_ROW)).toHaveCount(
        Object.keys(DEMO_RESOURCES).length +
          Object.keys(SAVINGS_DEMO_RESOURCES).length
      );
      const savings = panel.getByTestId('smcost-savings');
      await expect(savings).toHaveAttribute(
        'data-count',
        String(pinned.suggestions.length)
      );
      await expect(panel.getByTestId('smcost-savings-total')).toHaveText(
        `You could save ${usd(pinned.total_saving_usd_per_month)}/month`
      );
      // The top three, largest saving first; the rest behind "Show all".
      await expect(panel.locator(`${CARD}:visible`)).toHaveCount(3);
      await expect(panel.locator(CARD).first()).toHaveAttribute(
        'data-rule',
        /^(idle-endpoint|multi-model)$/
      );
      await expect(panel.getByTestId('smcost-suggestions-more')).toHaveText(
        `Show all ${pinned.suggestions.length} suggestions`
      );
      await expect(panel.getByTestId('smcost-countdown')).toHaveText(
        'Idle 12 min · stops in 48 min (idle timeout 1 h)'
      );
      await expect(panel.getByTestId('smcost-sparkline')).toBeVisible();
      const total = panel.getByTestId('smcost-total');
      await expect(total).toHaveText(
        /^Total: \$\d+\.\d\d\/h including this space$/
      );

      for (const width of [250, 560]) {
        await setSidebarWidth(page, panel, width);

        // The total shows without scrolling, and stays while the content
        // scrolls (it is in the SidePanel's header, above the content).
        await expect(total).toBeInViewport({ ratio: 1 });
        const content = panel.getByTestId('smcost-content');
        await content.evaluate(node => (node.scrollTop = node.scrollHeight));
        expect(await content.evaluate(node => node.scrollTop)).toBeGreaterThan(
          0
        );
        await expect(total).toBeInViewport({ ratio: 1 });
        const box = (await panel.boundingBox())!;
        const totalBox = (await total.boundingBox())!;
        expect(totalBox.y).toBeGreaterThanOrEqual(box.y);
        expect(totalBox.y + totalBox.height).toBeLessThanOrEqual(
          box.y + box.height
        );
        await content.evaluate(node => (node.scrollTop = 0));
        // No word broken, nothing sticking out sideways.
        expect(await midWordBreaks(panel)).toEqual([]);
        expect(await fitsSideways(panel)).toBe(true);

        await expect(panel).toHaveScreenshot(
          `savings-panel-${theme}-${width}.png`
        );

        // All the cards and every resource's rest shown: still so.
        await showEverything(panel, pinned.suggestions.length);
        expect(await midWordBreaks(panel)).toEqual([]);
        expect(await fitsSideways(panel)).toBe(true);
        // Back as it was for the next picture.
        await showEverything(panel, 3, false);
      }
    });
  }

  test('the details and calculations open: no word broken mid-word', async ({
    page
  }) => {
    // At 250 px the server's long code and URLs in a card's details
    // (`create_endpoint(EndpointName='demo-idle-endpoint', ...)`, the
    // asynchronous inference docs URL) wrap after their punctuation only.
    await pinAnswers(page);
    const cards = pinSuggestions(suggestions).suggestions.length;
    await page.goto();
    const panel = await openPanel(page);
    await expect(panel.getByTestId('smcost-savings')).toHaveAttribute(
      'data-count',
      String(cards)
    );
    const broken: { [width: number]: string[] } = {};
    for (const width of [250, 560]) {
      await setSidebarWidth(page, panel, width);
      await showEverything(panel, cards);
      await panel.evaluate(node => {
        for (const details of Array.from(node.querySelectorAll('details'))) {
          details.open = true;
        }
      });
      broken[width] = await midWordBreaks(panel);
    }
    expect(broken).toEqual({ 250: [], 560: [] });
  });
});

test.describe('savings actions', () => {
  test('delete the idle endpoint: confirmation, DeleteEndpoint, the result in place', async ({
    page,
    request
  }) => {
    const idle = suggestion('idle-endpoint', IDLE_ENDPOINT);
    const panel = await openSavings(page);
    const idleCard = card(panel, idle.id);
    await expect(idleCard).toBeVisible();
    await expect(idleCard.getByTestId('smcost-suggestion-title')).toHaveText(
      `Delete idle endpoint ${IDLE_ENDPOINT}`
    );
    await expect(idleCard.getByTestId('smcost-suggestion-saving')).toHaveText(
      `${usd(idle.saving_usd_per_month)}/month`
    );
    await expect(
      idleCard.getByTestId('smcost-suggestion-saving')
    ).toHaveAttribute('data-saving', 'priced');
    // The arithmetic behind the figure, on expand.
    await idleCard
      .getByTestId('smcost-suggestion-arithmetic')
      .locator('summary')
      .click();
    await expect(
      idleCard.getByTestId('smcost-suggestion-calculation')
    ).toHaveText(`Calculation: ${idle.arithmetic}`);
    expect(idle.arithmetic).toMatch(
      /^1 x ml\.m5\.large x \$[\d.]+\/h x 730 h = \$[\d.]+\/month$/
    );
    const button = idleCard.locator(
      '[data-testid="smcost-suggestion-action"][data-action="delete-endpoint"]'
    );
    await expect(button).toHaveText('Delete endpoint');
    const deletes = async () =>
      (await emulatorCalls(request)).filter(
        call => call.action === 'DeleteEndpoint'
      );

    // The confirmation names the resource, what will happen (the
    // configuration is kept, and how to recreate the endpoint) and the
    // figure. Cancel: nothing happens.
    await button.click();
    const dialog = page.locator('.jp-Dialog');
    const body = dialog.getByTestId('smcost-confirm');
    await expect(body).toBeVisible();
    await expect(body).toContainText(`Resource: Endpoint ${IDLE_ENDPOINT}`);
    await expect(body).toContainText(
      `The endpoint configuration ${IDLE_ENDPOINT_CONFIG} is kept`
    );
    await expect(body).toContainText(
      `create_endpoint(EndpointName='${IDLE_ENDPOINT}', EndpointConfigName='${IDLE_ENDPOINT_CONFIG}')`
    );
    await expect(body).toContainText(
      `Saving: ${usd(idle.saving_usd_per_month)}/month`
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(idleCard.getByTestId('smcost-suggestion-result')).toBeHidden();
    expect(await deletes()).toEqual([]);

    // Again, and accept.
    await button.click();
    await expect(body).toBeVisible();
    const accept = dialog.locator('.jp-Dialog-button.jp-mod-warn');
    await expect(accept).toHaveText('Delete endpoint');
    await accept.click();
    await expect(dialog).toHaveCount(0);
    const result = idleCard.getByTestId('smcost-suggestion-result');
    await expect(result).toHaveAttribute('data-state', 'ok', {
      timeout: 15_000
    });
    await expect(result).toHaveText(
      `Deleted endpoint ${IDLE_ENDPOINT}. Its endpoint configuration ` +
        `${IDLE_ENDPOINT_CONFIG} is kept: recreate it with ` +
        `create_endpoint(EndpointName='${IDLE_ENDPOINT}', ` +
        `EndpointConfigName='${IDLE_ENDPOINT_CONFIG}').`
    );
    // The emulated SageMaker deleted that endpoint, once, and kept its
    // configuration.
    const calls = await deletes();
    expect(calls).toHaveLength(1);
    expect(calls[0].params).toEqual(
      expect.objectContaining({ EndpointName: IDLE_ENDPOINT })
    );
    expect(
      (await emulatorCalls(request)).filter(
        call => call.action === 'DeleteEndpointConfig'
      )
    ).toEqual([]);
    // The card stays with its result until closed; its action is gone.
    await expect(idleCard).toHaveAttribute('data-done', 'true');
    await expect(button).toHaveCount(0);
    await expect(idleCard.getByTestId('smcost-suggestion-close')).toBeVisible();
    await idleCard.getByTestId('smcost-suggestion-close').click();
    await expect(idleCard).toHaveCount(0);
    // The server no longer suggests it.
    await expect
      .poll(
        async () =>
          (await api(request, 'suggestions')).suggestions.some(
            (s: any) => s.id === idle.id
          ),
        { timeout: 15_000 }
      )
      .toBe(false);
  });

  test('a dismissed suggestion stays dismissed after a reload', async ({
    page,
    request
  }) => {
    // The first card (the largest saving): which one it is depends on
    // whether the server has the Savings Plans recommendation (see
    // `pinSuggestions`).
    const target = suggestions.suggestions[0];
    expect(target.saving_usd_per_month).toBeGreaterThan(0);
    let panel = await openSavings(page);
    const heading = panel.getByTestId('smcost-savings-total');
    await expect(heading).toHaveText(
      `You could save ${usd(suggestions.total_saving_usd_per_month)}/month`
    );
    const before = suggestions.suggestions.length;
    await expect(panel.getByTestId('smcost-savings')).toHaveAttribute(
      'data-count',
      String(before)
    );
    const dismiss = card(panel, target.id).getByRole('button', {
      name: `Dismiss: ${target.title}`
    });
    const answered = page.waitForResponse(
      response =>
        response.request().method() === 'POST' &&
        response
          .url()
          .includes(`/jupyter-smcost/suggestions/${target.id}/dismiss`)
    );
    await dismiss.click();
    dismissed.add(target.id);
    expect((await answered).status()).toBe(200);
    await expect(card(panel, target.id)).toHaveCount(0);
    await expect(panel.getByTestId('smcost-savings')).toHaveAttribute(
      'data-count',
      String(before - 1)
    );
    await expect(heading).toHaveText(
      `You could save ${usd(
        suggestions.total_saving_usd_per_month - target.saving_usd_per_month
      )}/month`
    );
    const after = await api(request, 'suggestions');
    expect(after.dismissed).toBe(1);
    expect(after.suggestions.map((s: any) => s.id)).not.toContain(target.id);

    // A reload asks the server again: still gone.
    await page.reload();
    await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
    panel = await openSavings(page);
    await expect(panel.getByTestId('smcost-savings')).toHaveAttribute(
      'data-count',
      String(before - 1),
      { timeout: 15_000 }
    );
    await panel.getByTestId('smcost-suggestions-more').click();
    await expect(panel.locator(`${CARD}:visible`)).toHaveCount(before - 1);
    await expect(card(panel, target.id)).toHaveCount(0);
    await expect(
      page.locator(COST_METER).getByTestId('smcost-savings-badge')
    ).toHaveText(String(before - 1));
  });

  test('keyboard only: the palette, Tab to an action, Enter, Enter; the badge counts', async ({
    page,
    request
  }) => {
    const target = suggestion('idle-apps');
    const count = suggestions.suggestions.length;
    // The status bar badge: the number of suggestions, named for screen
    // readers.
    const badge = page.locator(COST_METER).getByTestId('smcost-savings-badge');
    await expect(badge).toHaveText(String(count), { timeout: 15_000 });
    await expect(badge).toHaveAttribute(
      'aria-label',
      `${count} savings suggestions`
    );
    await expect(badge).toHaveAttribute('role', 'img');
    await expect(page.locator(COST_METER)).toHaveAttribute(
      'title',
      new RegExp(`${count} savings suggestions: up to \\$`)
    );

    // "Show SageMaker savings" from the command palette: the panel opens
    // with the focus on the savings' heading.
    const panel = await openFromPalette(page, 'Show SageMaker savings');
    const heading = panel.getByTestId('smcost-savings-total');
    await expect(heading).toBeFocused();
    await expect(heading).toBeInViewport();

    // Tab through the cards to the idle app's "Stop app" ("Show all" if it
    // is not among the first ones).
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        return {
          id: el.dataset.testid ?? el.tagName.toLowerCase(),
          action: el.dataset.action ?? null,
          card:
            el.closest<HTMLElement>('[data-testid="smcost-suggestion"]')
              ?.dataset.id ?? null,
          expanded: el.getAttribute('aria-expanded'),
          inSavings: el.closest('[data-testid="smcost-savings"]') !== null
        };
      });
    let reached = false;
    let key = 'Tab';
    for (let i = 0; i < 80 && !reached; i++) {
      await page.keyboard.press(key);
      const el = await focused();
      expect(el.inSavings, `${el.id} is in the savings`).toBe(true);
      if (el.id === 'smcost-suggestions-more' && el.expanded === 'false') {
        // The rest of the cards show above the button, which keeps the
        // focus: back up through them.
        await page.keyboard.press('Enter');
        key = 'Shift+Tab';
        continue;
      }
      reached =
        el.id === 'smcost-suggestion-action' &&
        el.action === 'delete-app' &&
        el.card === target.id;
    }
    expect(reached).toBe(true);

    // Enter asks first; Enter again accepts (the dialog's default button).
    await page.keyboard.press('Enter');
    const dialog = page.locator('.jp-Dialog');
    const body = dialog.getByTestId('smcost-confirm');
    await expect(body).toBeVisible();
    await expect(body).toContainText(
      'Resource: Studio app demo-space-2/CodeEditor/default'
    );
    await expect(body).toContainText(
      `Saving: ${usd(target.saving_usd_per_month)}/month`
    );
    await expect(dialog.locator('.jp-Dialog-button.jp-mod-warn')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(dialog).toHaveCount(0);
    const result = card(panel, target.id).getByTestId(
      'smcost-suggestion-result'
    );
    await expect(result).toHaveAttribute('data-state', 'ok', {
      timeout: 15_000
    });
    await expect(result).toHaveText(
      "Deleting the CodeEditor app default of demo-space-2; its files stay on the space's volume."
    );
    // The focus is on the card's "Close", where the keyboard can go on.
    await expect(
      card(panel, target.id).getByTestId('smcost-suggestion-close')
    ).toBeFocused();
    const calls = (await emulatorCalls(request)).filter(
      call => call.action === 'DeleteApp'
    );
    expect(calls).toHaveLength(1);
    expect(calls[0].params).toEqual(
      expect.objectContaining({
        DomainId: 'd-demo',
        SpaceName: 'demo-space-2',
        AppType: 'CodeEditor',
        AppName: 'default'
      })
    );
    // One fewer in the badge once the server has the app stopping.
    await expect(badge).toHaveText(String(count - 1), { timeout: 45_000 });
  });
});

test.afterAll(async ({ playwright }, testInfo) => {
  // Leave the emulator as the other specs' `freshStudio` leaves it (they
  // reseed before each test anyway).
  const request = await playwright.request.newContext({
    baseURL: testInfo.project.use.baseURL
  });
  await freshStudio(request);
  await request.dispose();
});
