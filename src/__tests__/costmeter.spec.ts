import { Widget } from '@lumino/widgets';

import { COST_METER_CLASS, CostMeter } from '../cost/meter';
import { CostModel } from '../cost/model';
import { SuggestionsModel } from '../suggestions/model';
import { cost, FakeServer, localCost, unknownPrice } from './costfixtures';
import {
  spotSuggestion,
  suggestion,
  suggestions,
  suggestionsModel
} from './suggestionsfixtures';

describe('CostMeter', () => {
  let meter: CostMeter;
  let model: CostModel;

  afterEach(() => {
    if (meter.isAttached) {
      Widget.detach(meter);
    }
    meter.dispose();
    model.dispose();
    jest.useRealTimers();
  });

  function make(server: FakeServer, onActivate = () => {}): CostMeter {
    model = new CostModel({
      serverSettings: server.settings,
      autoStart: false
    });
    meter = new CostMeter({ model, onActivate });
    return meter;
  }

  it('is hidden until the first answer', () => {
    make(new FakeServer());
    expect(meter.hasClass(COST_METER_CLASS)).toBe(true);
    expect(meter.node.dataset.testid).toBe('smcost-cost-meter');
    expect(meter.isActive).toBe(false);
    expect(meter.node.dataset.state).toBe('hidden');
    expect(meter.node.textContent).toBe('');
  });

  it('shows the rate and the session, with the source in the title', async () => {
    make(new FakeServer({ cost: [cost()] }));
    await model.update();
    expect(meter.isActive).toBe(true);
    expect(meter.node.textContent).toBe('$1.43/h · $2.86 this session');
    expect(meter.node.dataset.state).toBe('known');
    expect(meter.node.title).toContain('Price: AWS Price List API, 2026-11-26');
    expect(meter.node.getAttribute('role')).toBe('button');
    expect(meter.node.tabIndex).toBe(0);
  });

  it('ticks the session cost without asking the server', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-11-26T16:20:00+00:00') });
    const server = new FakeServer({
      cost: [cost({ usd_per_hour: 36, session_usd: 1 })]
    });
    make(server);
    Widget.attach(meter, document.body);
    await model.update();
    expect(meter.node.textContent).toBe('$36.00/h · $1.00 this session');
    // $36/h is a cent a second.
    jest.advanceTimersByTime(5000);
    expect(meter.node.textContent).toBe('$36.00/h · $1.05 this session');
    expect(server.count('cost')).toBe(1);
  });

  it('says "price unknown", never $0', async () => {
    make(
      new FakeServer({
        cost: [
          cost({
            instance: {
              instance_type: 'ml.x9.huge',
              component: 'studio-jupyterlab',
              price: unknownPrice('no price for ml.x9.huge')
            },
            usd_per_hour: null,
            session_usd: null
          })
        ]
      })
    );
    await model.update();
    expect(meter.isActive).toBe(true);
    expect(meter.node.textContent).toBe('price unknown');
    expect(meter.node.dataset.state).toBe('unknown');
    expect(meter.node.title).toContain('no price for ml.x9.huge');
  });

  it('is hidden in local mode without an instance type', async () => {
    make(
      new FakeServer({
        cost: [localCost('local mode')]
      })
    );
    await model.update();
    expect(meter.isActive).toBe(false);
    expect(meter.node.dataset.state).toBe('hidden');
  });

  it('marks stale figures when a refresh fails', async () => {
    make(new FakeServer({ cost: [cost(), 500] }));
    await model.update();
    await model.update().catch(() => undefined);
    expect(meter.node.textContent).toBe('$1.43/h · $2.86 this session');
    expect(meter.hasClass('jp-mod-stale')).toBe(true);
    expect(meter.node.title).toContain('Could not refresh the cost: HTTP 500');
  });

  it('opens the panel on click, Enter and Space', () => {
    const onActivate = jest.fn();
    make(new FakeServer(), onActivate);
    Widget.attach(meter, document.body);
    meter.node.click();
    meter.node.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    meter.node.dispatchEvent(new KeyboardEvent('keydown', { key: ' ' }));
    meter.node.dispatchEvent(new KeyboardEvent('keydown', { key: 'x' }));
    expect(onActivate).toHaveBeenCalledTimes(3);
  });

  describe('savings badge', () => {
    let savings: SuggestionsModel;

    afterEach(() => {
      savings.dispose();
    });

    function makeWithSavings(server: FakeServer): CostMeter {
      model = new CostModel({
        serverSettings: server.settings,
        autoStart: false
      });
      savings = suggestionsModel(server);
      meter = new CostMeter({
        model,
        suggestions: savings,
        onActivate: () => {}
      });
      return meter;
    }

    const badge = () =>
      meter.node.querySelector<HTMLElement>(
        '[data-testid="smcost-savings-badge"]'
      )!;

    it('counts the suggestions, hidden at 0', async () => {
      const id = suggestion().id;
      const server = new FakeServer({
        cost: [cost()],
        suggestions: [
          suggestions({ suggestions: [] }),
          suggestions({ suggestions: [suggestion(), spotSuggestion()] })
        ],
        [`suggestions/${id}/dismiss`]: [{ dismissed: id, until: null }]
      });
      makeWithSavings(server);
      await model.update();
      await savings.update();
      expect(badge().hidden).toBe(true);
      expect(meter.node.textContent).toBe('$1.43/h · $2.86 this session');
      await savings.update();
      expect(badge().hidden).toBe(false);
      expect(badge().textContent).toBe('2');
      expect(badge().getAttribute('role')).toBe('img');
      expect(badge().getAttribute('aria-label')).toBe('2 savings suggestions');
      expect(badge().classList).toContain('jp-smcost-CostMeter-badge');
      expect(meter.node.title).toContain(
        '2 savings suggestions: up to $168/month.'
      );
      await savings.dismiss(id);
      expect(badge().textContent).toBe('1');
      expect(badge().getAttribute('aria-label')).toBe('1 savings suggestion');
    });

    it('shows with suggestions even where the cost is hidden', async () => {
      const server = new FakeServer({
        cost: [localCost('local mode')],
        suggestions: [suggestions()]
      });
      makeWithSavings(server);
      let changes = 0;
      meter.activeStateChanged.connect(() => changes++);
      await model.update();
      expect(meter.isActive).toBe(false);
      expect(changes).toBe(0);
      await savings.update();
      expect(meter.isActive).toBe(true);
      expect(changes).toBe(1);
      expect(badge().textContent).toBe('2');
    });
  });
});
