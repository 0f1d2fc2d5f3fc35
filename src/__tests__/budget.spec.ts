import { Widget } from '@lumino/widgets';

import {
  budgetNoticeKey,
  describeBudgetSpend,
  describeCostExplorer,
  IBudgetMemory,
  IBudgetNotifications,
  notifyBudget
} from '../cost/budget';
import { CostMeter } from '../cost/meter';
import { CostModel } from '../cost/model';
import { CostPanel } from '../cost/panel';
import { describeWorstCase } from '../cost/resources';
import { en } from '../i18n';
import {
  budget,
  byId,
  cost,
  costModel,
  FakeClock,
  FakeServer,
  resource,
  resources,
  text
} from './costfixtures';

class Memory implements IBudgetMemory {
  items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

function notifications(): IBudgetNotifications & {
  shown: Array<{ kind: string; message: string }>;
} {
  const shown: Array<{ kind: string; message: string }> = [];
  return {
    shown,
    warning: (message: string) => {
      shown.push({ kind: 'warning', message });
      return 'w';
    },
    error: (message: string) => {
      shown.push({ kind: 'error', message });
      return 'e';
    }
  };
}

describe('the budget texts', () => {
  it('says the spend of the budget, and nothing without a budget', () => {
    expect(describeBudgetSpend(budget())).toBe('$41.00 of $100 this month');
    expect(
      describeBudgetSpend(budget({ state: 'no-budget', budget_usd: null }))
    ).toBeNull();
    expect(describeBudgetSpend(null)).toBeNull();
  });

  it("shows Cost Explorer's figure with its lag only when the server sends it", () => {
    expect(describeCostExplorer(budget())).toBeNull();
    const withExplorer = {
      ...budget(),
      cost_explorer: {
        usd: 38.2,
        as_of: '2026-12-02',
        lag_hours: 48,
        error: null
      }
    };
    const line = describeCostExplorer(withExplorer)!;
    expect(line).toMatch(/^Cost Explorer: \$38\.20 as of (Dec 2|2 Dec)/);
    expect(line).toContain('(tags appear up to 48 h late)');
    expect(
      describeCostExplorer({
        ...budget(),
        cost_explorer: null
      } as unknown as ReturnType<typeof budget>)
    ).toBeNull();
    expect(
      describeCostExplorer({
        ...budget(),
        cost_explorer: { usd: null, error: 'AccessDenied: ce:GetCostAndUsage' }
      } as unknown as ReturnType<typeof budget>)
    ).toContain('AccessDenied');
  });
});

describe('notifyBudget', () => {
  it('notifies once at 80% per month, across reloads', () => {
    const memory = new Memory();
    const notify = notifications();
    expect(notifyBudget(budget(), memory, notify)).toBeNull();
    const near = budget({ spent_usd: 82, share_spent: 0.82, state: 'near' });
    expect(notifyBudget(near, memory, notify)).toBe(80);
    expect(notify.shown).toEqual([
      {
        kind: 'warning',
        message:
          'You have spent 80% of your monthly SageMaker budget ($82.00 of $100 this month).'
      }
    ]);
    // The next poll, and a reload (the same storage): no second notice.
    expect(notifyBudget(near, memory, notify)).toBeNull();
    expect(notifyBudget(near, memory, notifications())).toBeNull();
    expect(memory.getItem(budgetNoticeKey('2026-11', 80))).not.toBeNull();
    // A new month notifies again.
    expect(notifyBudget({ ...near, month: '2026-12' }, memory, notify)).toBe(
      80
    );
  });

  it('notifies once at 100%, after or without the 80% one', () => {
    const memory = new Memory();
    const notify = notifications();
    const over = budget({
      spent_usd: 104,
      share_spent: 1.04,
      state: 'over',
      timeout_tightened: true
    });
    expect(notifyBudget(over, memory, notify)).toBe(100);
    expect(notify.shown[0].kind).toBe('error');
    expect(notify.shown[0].message).toContain('idle timeout is shorter');
    expect(notifyBudget(over, memory, notify)).toBeNull();
    // Past 100%, a later 80% answer has no news.
    expect(
      notifyBudget(
        budget({ spent_usd: 85, share_spent: 0.85, state: 'near' }),
        memory,
        notify
      )
    ).toBeNull();
    expect(notify.shown).toHaveLength(1);
  });

  it('says nothing without a budget, and survives a storage that throws', () => {
    const notify = notifications();
    expect(
      notifyBudget(
        budget({ state: 'no-budget', budget_usd: null, share_spent: null }),
        new Memory(),
        notify
      )
    ).toBeNull();
    const broken: IBudgetMemory = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      }
    };
    expect(
      notifyBudget(
        budget({ spent_usd: 90, share_spent: 0.9, state: 'near' }),
        broken,
        notify
      )
    ).toBe(80);
    expect(notify.shown).toHaveLength(1);
  });
});

describe('the budget in the Cost panel and the meter', () => {
  let model: CostModel;
  let panel: CostPanel | null = null;
  let meter: CostMeter | null = null;

  afterEach(() => {
    if (panel?.isAttached) {
      Widget.detach(panel);
    }
    panel?.dispose();
    meter?.dispose();
    model.dispose();
    panel = meter = null;
  });

  it('shows spent of budget, the bar, the projection and the sources', async () => {
    const clock = new FakeClock();
    const server = new FakeServer({
      cost: [cost()],
      budget: [budget({ spent_usd: 82, share_spent: 0.82, state: 'near' })]
    });
    model = costModel(server, clock);
    panel = new CostPanel({ model, idle: null, clock: clock.read });
    const section = byId(panel, 'smcost-budget');
    // Before an answer: nothing.
    expect(section.hidden).toBe(true);
    await model.updateBudget();
    expect(section.hidden).toBe(false);
    expect(section.dataset.state).toBe('near');
    expect(text(panel, 'smcost-budget-spent')).toBe(
      '$82.00 of $100 this month'
    );
    expect(byId(panel, 'smcost-budget-bar').getAttribute('aria-valuenow')).toBe(
      '82'
    );
    expect(text(panel, 'smcost-budget-projection')).toBe(
      "Projected by the month's end at the current rate: $92.84"
    );
    expect(text(panel, 'smcost-budget-state')).toBe('Near the budget');
    expect(byId(panel, 'smcost-budget-explorer').hidden).toBe(true);
    expect(byId(panel, 'smcost-budget-sources').tagName).toBe('DETAILS');
    expect(text(panel, 'smcost-budget-sources-list')).toContain(
      'Training and tuning jobs: $15.00'
    );
  });

  it('says an unknown projection, and hides without a budget', async () => {
    const clock = new FakeClock();
    const server = new FakeServer({
      budget: [
        budget({ projected_usd: null, usd_per_hour: null, unknown_rates: 1 }),
        budget({ state: 'no-budget', budget_usd: null, share_spent: null })
      ]
    });
    model = costModel(server, clock);
    panel = new CostPanel({ model, idle: null, clock: clock.read });
    await model.updateBudget();
    expect(text(panel, 'smcost-budget-projection')).toContain('unknown');
    await model.updateBudget();
    expect(byId(panel, 'smcost-budget').hidden).toBe(true);
  });

  it('keeps the cost when the server has no budget route', async () => {
    const server = new FakeServer({ cost: [cost()] });
    model = costModel(server);
    await model.update();
    await expect(model.updateBudget()).rejects.toThrow();
    expect(model.budget).toBeNull();
    expect(model.budgetError).toBe('Not Found');
    expect(model.costState).toBe('ready');
  });

  it("puts the month's spend in the meter's tooltip, near/over as data-budget", async () => {
    const server = new FakeServer({
      cost: [cost()],
      budget: [
        budget(),
        budget({ spent_usd: 104, share_spent: 1.04, state: 'over' })
      ]
    });
    model = costModel(server);
    meter = new CostMeter({ model, onActivate: () => undefined });
    await model.update();
    expect(meter.node.dataset.budget).toBeUndefined();
    await model.updateBudget();
    expect(meter.node.title).toContain('$41.00 of $100 this month');
    expect(meter.node.dataset.budget).toBe('under');
    await model.updateBudget();
    expect(meter.node.dataset.budget).toBe('over');
    expect(meter.node.title).toContain('$104 of $100 this month');
  });
});

describe("a running job's worst case", () => {
  it('says the worst case and the max runtime when the server sends them', () => {
    const row = {
      ...resource(),
      worst_case_usd: 91.8
    } as unknown as ReturnType<typeof resource>;
    expect(describeWorstCase(row, en)).toBe(
      'worst case $91.80 (max runtime 24 h)'
    );
    expect(
      describeWorstCase({ ...row, max_runtime_seconds: 5400 } as typeof row, en)
    ).toBe('worst case $91.80 (max runtime 1.5 h)');
    expect(describeWorstCase(resource(), en)).toBeNull();
    expect(
      describeWorstCase(
        { ...resource(), worst_case_usd: null } as unknown as typeof row,
        en
      )
    ).toBeNull();
  });

  it("shows in the row's details", async () => {
    const clock = new FakeClock();
    const server = new FakeServer({
      cost: [cost()],
      resources: [
        resources({
          resources: [
            { ...resource(), worst_case_usd: 91.8 } as unknown as ReturnType<
              typeof resource
            >
          ]
        })
      ]
    });
    const model = costModel(server, clock);
    const panel = new CostPanel({ model, idle: null, clock: clock.read });
    await model.update();
    await model.updateResources();
    const more = panel.node.querySelector<HTMLElement>(
      '[data-testid="smcost-resource-more"]'
    )!;
    expect(more.textContent).toContain('worst case $91.80 (max runtime 24 h)');
    panel.dispose();
    model.dispose();
  });
});
