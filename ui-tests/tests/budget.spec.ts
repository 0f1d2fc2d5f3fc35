/**
 * The monthly budget in Chromium: the Cost panel's budget section, the
 * meter's look near the budget and the 80% notification, from a pinned `GET
 * budget` answer (the shared test server has no budget: setting one would
 * tighten the idle timeout of the other tests once over).
 */
import * as fs from 'fs';
import * as path from 'path';

import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';

import { COST_METER, COST_PANEL, pinAnswers, quietStart } from './helpers';

const README_IMAGES = path.resolve(__dirname, '..', '..', 'docs', 'images');

function pinnedBudget(): Record<string, unknown> {
  return {
    generated_at: '2026-11-26T16:20:00+00:00',
    month: '2026-11',
    month_ends_at: '2026-12-01T00:00:00+00:00',
    hours_left: 103.67,
    budget_usd: 100,
    budget_source: 'policy',
    spent_usd: 82.4,
    spent_sources: {
      'this-app': 31.2,
      'training-jobs': 40.1,
      'processing-jobs': 0,
      'transform-jobs': 0,
      endpoints: 11.1,
      apps: 0,
      'notebook-instances': 0
    },
    spent_since: '2026-11-02T08:14:03+00:00',
    usd_per_hour: 0.52,
    unknown_rates: 0,
    projected_usd: 136.31,
    state: 'near',
    share_spent: 0.824,
    over_budget_timeout_minutes: 15,
    timeout_tightened: false,
    previous: null,
    notes: [],
    cost_explorer: {
      usd: 78.2,
      month: '2026-11',
      as_of: '2026-11-25',
      estimated: true,
      fetched_at: '2026-11-26T06:00:00+00:00',
      lag_hours: 48,
      lag_note: 'Tagged costs appear in Cost Explorer up to 48 hours late.',
      error: null
    }
  };
}

async function openCostPanel(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('jupyter-smcost:open-cost-panel');
  });
}

test.describe('monthly budget', () => {
  test.use({ ...quietStart, timezoneId: 'UTC' });

  for (const theme of ['light', 'dark'] as const) {
    test(`budget section, meter and 80% notice, ${theme}`, async ({ page }) => {
      await pinAnswers(page);
      await page.route(/\/jupyter-smcost\/budget(\?|$)/, route =>
        route.fulfill({ json: pinnedBudget() })
      );
      await page.goto();
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      // The 80% notice, once.
      const toast = page.locator('.Toastify__toast', {
        hasText: 'You have spent 80% of your monthly SageMaker budget'
      });
      await expect(toast).toHaveCount(1);
      await expect(page.locator(COST_METER)).toHaveAttribute(
        'data-budget',
        'near'
      );
      await expect(page.locator(COST_METER)).toHaveAttribute(
        'title',
        /\$82\.40 of \$100 this month/
      );
      await openCostPanel(page);
      const section = page.locator(
        `${COST_PANEL} [data-testid="smcost-budget"]`
      );
      await expect(section).toBeVisible();
      await expect(section.getByTestId('smcost-budget-spent')).toHaveText(
        '$82.40 of $100 this month'
      );
      await expect(
        section.getByTestId('smcost-budget-projection')
      ).toContainText('$136');
      await expect(section.getByTestId('smcost-budget-explorer')).toHaveText(
        /^Cost Explorer: \$78\.20 as of .+ \(tags appear up to 48 h late\)$/
      );
      await section.locator('summary').click();
      await expect(
        section.getByTestId('smcost-budget-sources-list')
      ).toContainText('Training and tuning jobs: $40.10');
      const shot = await section.screenshot();
      if (process.env.SMCOST_README_IMAGES === '1' && theme === 'light') {
        fs.mkdirSync(README_IMAGES, { recursive: true });
        fs.writeFileSync(path.join(README_IMAGES, 'budget.png'), shot);
      }
      // Reloaded: the notice was shown this month, not again.
      await page.reload();
      await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
      await expect(page.locator(COST_METER)).toHaveAttribute(
        'data-budget',
        'near'
      );
      await expect(toast).toHaveCount(0);
    });
  }

  test('over budget, the savings say what brings the month under', async ({
    page
  }) => {
    await pinAnswers(page);
    const over = { ...pinnedBudget(), projected_usd: 130, state: 'over' };
    await page.route(/\/jupyter-smcost\/budget(\?|$)/, route =>
      route.fulfill({ json: over })
    );
    // Registered after pinAnswers: this answer wins for GET suggestions.
    await page.route(/\/jupyter-smcost\/suggestions(\?|$)/, route =>
      route.request().method() === 'GET'
        ? route.fulfill({ json: overBudgetSuggestions() })
        : route.fallback()
    );
    await page.goto();
    await openCostPanel(page);
    const outlook = page.locator(
      `${COST_PANEL} [data-testid="smcost-savings-budget"]`
    );
    await expect(outlook).toHaveText(
      'This month is projected at $130, over your $100 budget; the first suggestion brings it under.'
    );
    const cards = page.locator(
      `${COST_PANEL} [data-testid="smcost-suggestion"]`
    );
    await expect(cards).toHaveCount(2);
    const first = cards.nth(0).getByTestId('smcost-suggestion-budget');
    await expect(first).toHaveText(
      "Saves $41.50 by the month's end; alone, it brings this month under your budget."
    );
    // That one stands out from the others' line.
    await expect(first).toHaveCSS('font-weight', '600');
    await expect(
      cards.nth(1).getByTestId('smcost-suggestion-budget')
    ).toHaveText("Saves $3.25 by the month's end.");
  });
});

/** `GET suggestions` over budget: two cards, the first enough alone. */
function overBudgetSuggestions(): Record<string, unknown> {
  const card = (id: string, title: string, monthly: number, toEnd: number) => ({
    id,
    rule: 'idle-endpoint',
    severity: 'high',
    title,
    detail: '',
    saving_usd_per_month: monthly,
    saving_note: null,
    saving_range_usd_per_month: null,
    arithmetic: '',
    resource: null,
    actions: [],
    docs_url: '',
    warning: null,
    snippet: null,
    saving_to_month_end_usd: toEnd,
    brings_under_budget: toEnd >= 30
  });
  return {
    generated_at: '2026-11-26T16:20:00+00:00',
    state: 'ok',
    suggestions: [
      card('a', 'Delete the idle endpoint demo-idle-endpoint', 292, 41.5),
      card('b', 'Stop the idle notebook app', 23, 3.25)
    ],
    total_saving_usd_per_month: 315,
    problems: [],
    actions_allowed: true,
    ttl_seconds: 60,
    message: null,
    aws_busy: null,
    budget: {
      state: 'over',
      budget_usd: 100,
      projected_usd: 130,
      over_by_usd: 30,
      saving_to_month_end_usd: 44.75,
      projected_with_all_usd: 85.25,
      suggestions_needed: 1
    }
  };
}
