import {
  barGeometry,
  BurnBar,
  burnCategory,
  burnSplit,
  describeBurnSplit,
  describeSparkline,
  Sparkline,
  sparklinePoints
} from '../cost/chart';
import { describeTotal } from '../cost/format';
import {
  COST_HISTORY_KEY,
  MAX_COST_SAMPLES,
  SessionCostHistory
} from '../cost/history';
import { CostModel } from '../cost/model';
import { IResources } from '../api';
import {
  cost,
  costModel,
  FakeServer,
  resource,
  resources,
  unknownPrice
} from './costfixtures';

/**
 * Every kind, one of each, and an unpriced row.
 */
function everyKind(): IResources {
  const row = (kind: string, name: string, usd: number) =>
    resource({ kind, name, usd_per_hour: usd });
  return resources({
    resources: [
      row('training-job', 'train', 3.825),
      row('tuning-job', 'tune', 1.5),
      row('endpoint', 'ep', 0.23),
      row('processing-job', 'proc', 0.5),
      row('transform-job', 'batch', 0.25),
      row('studio-app', 'space-2/CodeEditor/default', 0.2),
      row('notebook-instance', 'nb', 0.05),
      resource({
        name: 'mystery',
        usd_per_hour: null,
        cost_so_far_usd: null,
        price: unknownPrice()
      })
    ],
    // Two more rows the server counted but did not send: $1.00/h.
    total_usd_per_hour: 7.555,
    unpriced: 1
  });
}

describe('burnSplit', () => {
  it('splits by this space, training, endpoints, processing and other apps', () => {
    const split = burnSplit(cost(), everyKind());
    expect(
      split.segments.map(s => [s.category, s.label, +s.usdPerHour.toFixed(4)])
    ).toEqual([
      ['space', 'This space', 1.43],
      ['training', 'Training', 5.325],
      ['endpoints', 'Endpoints', 0.23],
      ['processing', 'Processing', 0.75],
      ['apps', 'Other apps', 0.25],
      ['other', 'Not listed', 1]
    ]);
    // The parts add up to the panel's total.
    const sum = split.segments.reduce((total, s) => total + s.usdPerHour, 0);
    expect(split.total).toBeCloseTo(sum, 10);
    expect(split.total).toBeCloseTo(8.985, 10);
    expect(describeTotal(cost(), everyKind())).toBe(
      'Total: $8.99/h including this space · 1 resource has no price (not counted)'
    );
  });

  it('leaves out what costs nothing known, and this space when free', () => {
    const free = cost({
      usd_per_hour: null,
      problems: [{ code: 'no-charge', message: 'free system instance' }]
    });
    const split = burnSplit(free, resources());
    expect(split.segments.map(s => s.category)).toEqual([
      'training',
      'endpoints'
    ]);
    expect(split.total).toBeCloseTo(4.055, 10);
    expect(burnSplit(null, null)).toEqual({ segments: [], total: 0 });
    expect(burnSplit(cost(), null).segments).toEqual([
      { category: 'space', label: 'This space', usdPerHour: 1.43 }
    ]);
  });

  it('names the environment and files unknown kinds under the rest', () => {
    expect(burnCategory('hyperpod-cluster')).toBe('other');
    const notebook = cost({
      environment: { ...cost().environment, kind: 'notebook-instance' }
    });
    expect(burnSplit(notebook, null).segments[0].label).toBe(
      'This notebook instance'
    );
  });

  it('draws a bar whose parts end at 100, with an accessible name', () => {
    const split = burnSplit(cost(), resources());
    expect(barGeometry(split)).toEqual([
      { category: 'space', x: 0, width: 26.07 },
      { category: 'training', x: 26.07, width: 69.74 },
      { category: 'endpoints', x: 95.81, width: 4.19 }
    ]);
    expect(describeBurnSplit(split)).toBe(
      'Burn rate $5.48/h: this space $1.43/h, training $3.83/h, endpoints $0.23/h.'
    );
    const bar = new BurnBar();
    bar.update(split);
    const svg = bar.node.querySelector('svg')!;
    expect(svg.getAttribute('role')).toBe('img');
    expect(svg.getAttribute('aria-label')).toBe(describeBurnSplit(split));
    const rects = Array.from(svg.querySelectorAll('rect'));
    expect(rects.map(r => r.getAttribute('data-category'))).toEqual([
      'space',
      'training',
      'endpoints'
    ]);
    expect(rects[1].querySelector('title')!.textContent).toBe(
      'Training: $3.83/h (70%)'
    );
    const legend = Array.from(
      bar.node.querySelectorAll<HTMLElement>('[data-testid="smcost-burn-item"]')
    ).map(li => [li.dataset.category, li.textContent]);
    expect(legend).toEqual([
      ['space', 'This space $1.43/h'],
      ['training', 'Training $3.83/h'],
      ['endpoints', 'Endpoints $0.23/h']
    ]);
    bar.update({ segments: [], total: 0 });
    expect(bar.node.hidden).toBe(true);
  });
});

describe('sparkline', () => {
  const t0 = Date.parse('2026-11-26T14:20:00Z');
  const minute = 60_000;

  it('maps time across and the cost up from $0', () => {
    const samples = [
      { t: t0, usd: 0 },
      { t: t0 + 30 * minute, usd: 1 },
      { t: t0 + 60 * minute, usd: 2 }
    ];
    // 100 x 24 with 1 unit of margin: $0 at y 23, the top ($2) at y 1.
    expect(sparklinePoints(samples)).toBe('0,23 50,12 100,1');
    expect(sparklinePoints([{ t: t0, usd: 1 }])).toBe('100,1');
    expect(sparklinePoints([])).toBe('');
    expect(
      sparklinePoints([
        { t: t0, usd: 0 },
        { t: t0 + minute, usd: 0 }
      ])
    ).toBe('0,23 100,23');
  });

  it('says what it shows, and shows from two points', () => {
    const line = new Sparkline();
    line.update([{ t: t0, usd: 0 }]);
    expect(line.node.hidden).toBe(true);
    const samples = [
      { t: t0, usd: 0 },
      { t: t0 + 120 * minute, usd: 2.86 }
    ];
    line.update(samples);
    expect(line.node.hidden).toBe(false);
    expect(line.points).toBe('0,23 100,1');
    const svg = line.node.querySelector('svg')!;
    expect(svg.getAttribute('role')).toBe('img');
    expect(svg.getAttribute('aria-label')).toMatch(
      /^This session's cost: \$0\.00 at \d\d:\d\d, \$2\.86 at \d\d:\d\d\.$/
    );
    expect(describeSparkline([])).toBe("This session's cost: no figures yet.");
  });
});

describe('SessionCostHistory', () => {
  let model: CostModel;
  let history: SessionCostHistory;

  beforeEach(() => {
    window.sessionStorage.clear();
  });

  afterEach(() => {
    history?.dispose();
    model?.dispose();
  });

  const at = (minutes: number, usd: number) =>
    cost({
      generated_at: new Date(
        Date.parse('2026-11-26T16:20:00Z') + minutes * 60_000
      ).toISOString(),
      session_usd: usd
    });

  it("samples each new answer of the cost poll, from the session's start", async () => {
    const server = new FakeServer({
      cost: [at(0, 2.86), at(0, 2.86), at(1, 2.88)]
    });
    model = costModel(server);
    history = new SessionCostHistory({ model });
    await model.update();
    await model.update();
    await model.update();
    expect(
      history.samples.map(s => [new Date(s.t).toISOString(), s.usd])
    ).toEqual([
      // started_at, nothing spent yet
      ['2026-11-26T14:20:00.000Z', 0],
      ['2026-11-26T16:20:00.000Z', 2.86],
      ['2026-11-26T16:21:00.000Z', 2.88]
    ]);
  });

  it('keeps the samples across a reload (sessionStorage)', () => {
    model = costModel(new FakeServer());
    history = new SessionCostHistory({ model });
    expect(history.record(at(0, 1))).toBe(true);
    expect(history.record(at(1, 1.1))).toBe(true);
    history.dispose();
    const stored = JSON.parse(window.sessionStorage.getItem(COST_HISTORY_KEY)!);
    expect(stored.samples).toHaveLength(2);
    history = new SessionCostHistory({ model });
    expect(history.samples.map(s => s.usd)).toEqual([0, 1, 1.1]);
  });

  it('starts again for a new session', () => {
    model = costModel(new FakeServer());
    history = new SessionCostHistory({ model, storage: null });
    history.record(at(0, 2));
    history.record(at(1, 2.1));
    // The cost went down: another session.
    history.record(at(2, 0.01));
    expect(history.samples.map(s => s.usd)).toEqual([0, 0.01]);
    history.record(
      cost({
        started_at: '2026-11-26T16:30:00+00:00',
        generated_at: '2026-11-26T16:31:00+00:00',
        session_usd: 0.03
      })
    );
    expect(history.samples.map(s => s.usd)).toEqual([0, 0.03]);
  });

  it('keeps at most ~200 points, thinning the old ones', () => {
    model = costModel(new FakeServer());
    history = new SessionCostHistory({ model, storage: null });
    for (let i = 0; i < 1000; i++) {
      history.record(at(i, i / 100));
    }
    const samples = history.samples;
    // The start, and at most MAX_COST_SAMPLES samples.
    expect(samples.length).toBeLessThanOrEqual(MAX_COST_SAMPLES + 1);
    expect(samples.length).toBeGreaterThan(MAX_COST_SAMPLES / 2);
    expect(samples[samples.length - 1].usd).toBe(9.99);
    expect(samples[1].usd).toBe(0);
    // Oldest first, strictly.
    for (let i = 1; i < samples.length; i++) {
      expect(samples[i].t).toBeGreaterThan(samples[i - 1].t);
    }
  });

  it('ignores answers without a session figure', () => {
    model = costModel(new FakeServer());
    history = new SessionCostHistory({ model, storage: null });
    expect(history.record(cost({ session_usd: null }))).toBe(false);
    expect(history.record(null)).toBe(false);
    expect(history.samples).toHaveLength(0);
  });
});
