import { extrapolate } from '../countdown';
import {
  describeCountdown,
  describeIdleCost,
  describePrice,
  describeOmitted,
  describeResource,
  describeStorage,
  describeTotal,
  environmentNoun,
  formatMeter,
  formatPriceRate,
  formatRate,
  knownRate
} from '../cost/format';
import {
  describeLimit,
  formatStatus,
  formatUsd,
  resourceKindLabel
} from '../format';
import { IIdleStatus, IPrice, IResources } from '../api';
import {
  cost,
  knownPrice,
  resource,
  resources,
  unknownPrice,
  localCost
} from './costfixtures';
import { idleStatus } from './fixtures';

const PENDING: IPrice = {
  known: false,
  usd_per_hour: null,
  source: 'pending',
  reason: 'looking up the price of ml.g5.xlarge'
};

describe('formatUsd', () => {
  it.each([
    [0, '$0.00'],
    [0.74, '$0.74'],
    [0.1, '$0.10'],
    [0.999, '$1.00'],
    [3.12, '$3.12'],
    [12.345, '$12.35'],
    [99.99, '$99.99'],
    [99.996, '$100'],
    [1043.9, '$1,044'],
    [1043, '$1,043'],
    [123456.7, '$123,457']
  ])('shows %p as %p', (value, text) => {
    expect(formatUsd(value)).toBe(text);
  });

  it.each([
    [0.0464, '$0.046'],
    [0.05, '$0.05'],
    [0.003, '$0.003'],
    [0.00077, '$0.0008'],
    [0.00001, '<$0.0001']
  ])('keeps small amounts visible: %p as %p', (value, text) => {
    expect(formatUsd(value)).toBe(text);
  });

  it('never shows an invalid amount as a figure', () => {
    expect(formatUsd(Number.NaN)).toBe('—');
    expect(formatUsd(Number.POSITIVE_INFINITY)).toBe('—');
  });

  it('formats rates', () => {
    expect(formatRate(0.74)).toBe('$0.74/h');
    expect(formatRate(1.408)).toBe('$1.41/h');
  });
});

describe('prices', () => {
  it('reads a known rate, and nothing else, as known', () => {
    expect(knownRate(knownPrice(1.408))).toBe(1.408);
    expect(knownRate(unknownPrice())).toBeNull();
    expect(knownRate(PENDING)).toBeNull();
    // A price is never 0: a "known" 0 is a bug upstream, shown as unknown.
    expect(knownRate({ ...knownPrice(), usd_per_hour: 0 })).toBeNull();
    expect(knownRate(null)).toBeNull();
  });

  it('names the source and its date, with the detail as tooltip', () => {
    expect(describePrice(knownPrice())).toEqual({
      text: 'Price: AWS Price List API, 2026-11-26',
      title: 'AWS Price List API, us-east-1, 2026-11-26',
      state: 'known'
    });
    expect(
      describePrice({ ...knownPrice(), source: 'override', detail: null }).text
    ).toBe('Price: set by your administrator, 2026-11-26');
    expect(
      describePrice({ ...knownPrice(), source: 'snapshot', as_of: null }).text
    ).toBe('Price: bundled AWS price list');
  });

  it('gives the reason of an unknown price, never $0', () => {
    const price = describePrice(unknownPrice());
    expect(price.state).toBe('unknown');
    expect(price.text).toBe(
      'Price unknown: price unknown for ml.x9.huge (training) in region us-east-1: no such product'
    );
    expect(price.text).not.toContain('$');
    expect(formatPriceRate(unknownPrice())).toBe('price unknown');
    expect(formatPriceRate({ ...knownPrice(), usd_per_hour: 0 })).toBe(
      'price unknown'
    );
    expect(formatPriceRate(undefined)).toBe('price unknown');
  });

  it('says when a price is being looked up', () => {
    expect(describePrice(PENDING)).toEqual({
      text: 'Looking up the price…',
      title: 'Looking up the price of ml.g5.xlarge.',
      state: 'pending'
    });
    expect(formatPriceRate(PENDING)).toBe('looking up price…');
  });

  it('shows the given rate (price × count) of a known price', () => {
    expect(formatPriceRate(knownPrice(0.115), 0.23)).toBe('$0.23/h');
    expect(formatPriceRate(knownPrice(0.115))).toBe('$0.12/h');
    expect(formatPriceRate(unknownPrice(), 0.23)).toBe('price unknown');
  });
});

describe('environmentNoun', () => {
  it('names each environment', () => {
    expect(environmentNoun(cost().environment)).toBe('this space');
    expect(
      environmentNoun({ ...cost().environment, kind: 'notebook-instance' })
    ).toBe('this notebook instance');
    expect(
      environmentNoun({ ...cost().environment, kind: 'studio-classic' })
    ).toBe('this app');
    expect(environmentNoun({ ...cost().environment, kind: 'local' })).toBe(
      'this server'
    );
  });
});

describe('formatMeter', () => {
  it('shows the rate and the session cost, and the source in the tooltip', () => {
    const meter = formatMeter(cost(), 3.12);
    expect(meter.text).toBe('$1.43/h · $3.12 this session');
    expect(meter.state).toBe('known');
    expect(meter.title).toContain(
      'This space (ml.g5.xlarge) costs $1.43/h, storage included.'
    );
    expect(meter.title).toContain(
      'Price: AWS Price List API, 2026-11-26 (AWS Price List API, us-east-1, 2026-11-26).'
    );
  });

  it('shows the rate alone when the session is unknown', () => {
    expect(formatMeter(cost(), null).text).toBe('$1.43/h');
  });

  it('says "price unknown", with the reason, never $0', () => {
    const meter = formatMeter(
      cost({
        instance: {
          instance_type: 'ml.x9.huge',
          component: 'studio-jupyterlab',
          price: unknownPrice('no price for ml.x9.huge in us-east-1')
        },
        usd_per_hour: null,
        session_usd: null
      }),
      null
    );
    expect(meter.text).toBe('price unknown');
    expect(meter.state).toBe('unknown');
    expect(meter.title).toContain(
      'Price unknown: no price for ml.x9.huge in us-east-1.'
    );
    expect(meter.text).not.toContain('$');
  });

  it('says when the price is being looked up', () => {
    const meter = formatMeter(
      cost({
        instance: {
          instance_type: 'ml.g5.xlarge',
          component: 'studio-jupyterlab',
          price: PENDING
        },
        usd_per_hour: null,
        session_usd: null
      }),
      null
    );
    expect(meter.text).toBe('looking up price…');
    expect(meter.state).toBe('pending');
  });

  it('is hidden before the first answer and in local mode without an instance type', () => {
    expect(formatMeter(null, null).state).toBe('hidden');
    const local = localCost();
    expect(formatMeter(local, null)).toEqual({
      text: '',
      title: '',
      state: 'hidden'
    });
    // Local mode with a configured instance type is priced.
    expect(
      formatMeter(
        cost({ environment: { ...cost().environment, kind: 'local' } }),
        1
      ).state
    ).toBe('known');
  });

  it('keeps the last figures on error and says so in the tooltip', () => {
    const meter = formatMeter(cost(), 3.12, 'Network error');
    expect(meter.text).toBe('$1.43/h · $3.12 this session');
    expect(meter.title).toContain('Could not refresh the cost: Network error');
  });
});

describe('describeStorage', () => {
  it('shows the size and the monthly price', () => {
    const storage = describeStorage(cost());
    expect(storage.text).toBe('Storage: 5 GB, $0.56/month (in the rate)');
    expect(storage.title).toContain('$0.11 per GB-month');
    expect(storage.title).toContain('bundled AWS price list');
  });

  it('says when the storage price is unknown', () => {
    const storage = describeStorage(
      cost({
        storage: {
          size_gb: 5,
          usd_per_gb_month: null,
          price: unknownPrice('no EBS price for us-east-9')
        }
      })
    );
    expect(storage.text).toBe('Storage: 5 GB, price unknown');
    expect(storage.title).toBe('Price unknown: no EBS price for us-east-9.');
  });
});

describe('describeTotal', () => {
  it('adds this environment to the resources', () => {
    expect(describeTotal(cost(), resources({ total_usd_per_hour: 4 }))).toBe(
      'Total: $5.43/h including this space'
    );
  });

  it('says what is not counted', () => {
    expect(
      describeTotal(
        cost({ usd_per_hour: null }),
        resources({ unpriced: 2, total_usd_per_hour: 12.34 })
      )
    ).toBe(
      'Total: $12.34/h · this space has no known price; 2 resources have no price (not counted)'
    );
    expect(describeTotal(null, resources({ unpriced: 1 }))).toBe(
      'Total: $4.06/h · 1 resource has no price (not counted)'
    );
  });

  it('never reads as $0 when nothing known adds up', () => {
    expect(
      describeTotal(
        cost({ usd_per_hour: null }),
        resources({ resources: [], total_usd_per_hour: 0 })
      )
    ).toBe('Total: unknown · this space has no known price (not counted)');
    expect(
      describeTotal(
        null,
        resources({
          resources: [resource({ usd_per_hour: null })],
          unpriced: 1,
          total_usd_per_hour: 0
        })
      )
    ).toBe('Total: unknown · 1 resource has no price (not counted)');
    // Nothing running and nothing to price here: a real zero.
    expect(
      describeTotal(null, resources({ resources: [], total_usd_per_hour: 0 }))
    ).toBe('Total: $0.00/h');
  });

  it('leaves out an environment with nothing to price', () => {
    const local = cost({
      environment: {
        ...cost().environment,
        kind: 'local',
        instance_type: null
      },
      instance: { instance_type: null, component: null, price: unknownPrice() },
      usd_per_hour: null
    });
    expect(describeTotal(local, resources())).toBe('Total: $4.06/h');
    const classic = cost({
      environment: { ...cost().environment, kind: 'studio-classic' },
      usd_per_hour: null,
      problems: [{ code: 'no-charge', message: 'free system instance' }]
    });
    expect(describeTotal(classic, resources())).toBe('Total: $4.06/h');
  });
});

describe('describeResource', () => {
  it('describes a priced job', () => {
    const text = describeResource(resource());
    expect(text).toEqual({
      instances: 'ml.p3.2xlarge × 1',
      rate: '$3.83/h',
      running: '25 min',
      cost: '$1.59',
      secondary: 'InProgress · Price: AWS Price List API, 2026-11-26',
      priceTitle: 'AWS Price List API, us-east-1, 2026-11-26'
    });
    expect(resourceKindLabel('training-job')).toBe('Training job');
    expect(resourceKindLabel('new-kind')).toBe('new-kind');
  });

  it('marks spot and keeps the detail', () => {
    const text = describeResource(
      resource({ spot: true, detail: 'spot; billed 14 min of 40 min' })
    );
    expect(text.instances).toBe('ml.p3.2xlarge × 1 · spot');
    expect(text.secondary.startsWith('spot; billed 14 min of 40 min · ')).toBe(
      true
    );
  });

  it('counts the running time and cost on to now', () => {
    const sent = '2026-11-26T16:20:00+00:00';
    const now = Date.parse(sent) + 30 * 60_000;
    const text = describeResource(resource(), now, sent);
    // Started 15:55: 55 min at 16:50; $1.59 + 30 min at $3.825/h.
    expect(text.running).toBe('55 min');
    expect(text.cost).toBe('$3.50');
    // A clock behind the server's never counts back.
    const early = describeResource(resource(), Date.parse(sent) - 60_000, sent);
    expect(early.cost).toBe('$1.59');
    // Without a start time, the figure as sent.
    expect(
      describeResource(resource({ started_at: null }), now, sent).running
    ).toBe('25 min');
  });

  it('shows a spot job at its effective rate', () => {
    const text = describeResource(
      resource({
        spot: true,
        usd_per_hour: 1.34,
        billable_seconds: 840,
        detail: 'spot: billed 14 min of 40 min, 35% of the on-demand $3.83/h'
      })
    );
    expect(text.rate).toBe('$1.34/h');
    expect(text.secondary).toContain('35% of the on-demand $3.83/h');
  });

  it('says how many resources were not listed', () => {
    expect(describeOmitted(resources())).toBe('');
    expect(
      describeOmitted({
        ...resources(),
        omitted: { count: 1, usd_per_hour: 0 }
      } as IResources)
    ).toBe('1 more resource not listed');
    expect(
      describeOmitted({
        ...resources(),
        omitted: { count: 805, usd_per_hour: 12.5 }
      } as IResources)
    ).toBe('805 more resources not listed, $12.50/h');
  });

  it('never shows an unknown price as $0, and says why', () => {
    const text = describeResource(
      resource({
        usd_per_hour: null,
        cost_so_far_usd: null,
        price: unknownPrice('price unknown for ml.x9.huge (training)')
      })
    );
    expect(text.rate).toBe('price unknown');
    expect(text.cost).toBe('—');
    expect(text.secondary).toContain(
      'Price unknown: price unknown for ml.x9.huge (training)'
    );
    expect(JSON.stringify(text)).not.toContain('$0');
  });
});

function view(overrides: Partial<IIdleStatus> = {}, elapsed = 0) {
  return extrapolate(idleStatus(overrides), elapsed);
}

const BUDGET: Partial<IIdleStatus> = {
  limit: 'budget',
  max_idle_usd: 0.5,
  budget_seconds: 1440,
  timeout_seconds: 1440,
  seconds_until_shutdown: 720
};

describe('describeCountdown', () => {
  it('says which limit applies', () => {
    expect(describeCountdown(view(BUDGET), null)).toEqual({
      text: 'Idle 12 min · stops in 12 min (idle budget $0.50 reached)',
      state: 'active'
    });
    expect(describeCountdown(view({ limit: 'timeout' }), null).text).toBe(
      'Idle 12 min · stops in 48 min (idle timeout 1 h)'
    );
    // Older servers say nothing of limits: the timeout.
    expect(describeCountdown(view(), null).text).toBe(
      'Idle 12 min · stops in 48 min (idle timeout 1 h)'
    );
  });

  it('ticks with the view', () => {
    expect(describeCountdown(view(BUDGET, 660), null).text).toBe(
      'Idle 23 min · stops in 1 min (idle budget $0.50 reached)'
    );
  });

  it('describes the states without a countdown', () => {
    expect(
      describeCountdown(
        view({
          state: 'disabled',
          seconds_until_shutdown: null,
          limit: 'none'
        }),
        null
      ).text
    ).toContain('Idle shutdown is off');
    expect(describeCountdown(view({ state: 'shutting-down' }), null).text).toBe(
      'Stopping now: saving open documents first.'
    );
    expect(
      describeCountdown(view({ state: 'error', error: 'AccessDenied' }), null)
        .text
    ).toContain('AccessDenied');
    expect(describeCountdown(null, 'Network error')).toEqual({
      text: 'The idle status is unknown: Network error.',
      state: 'unreachable'
    });
  });

  it('marks a dry run', () => {
    expect(
      describeCountdown(view({ action: 'dry-run', dry_run: true }), null).text
    ).toBe('Idle 12 min · stops in 48 min (idle timeout 1 h), dry run');
  });
});

describe('describeIdleCost', () => {
  it('prices the idle time, with the budget', () => {
    expect(describeIdleCost(view(BUDGET), 1.25)).toBe(
      'Idle time so far: $0.25 of the $0.50 idle budget'
    );
    expect(describeIdleCost(view(), 1.25)).toBe('Idle time so far: $0.25');
    expect(describeIdleCost(view(), null)).toBeNull();
    expect(describeIdleCost(null, 1.25)).toBeNull();
  });
});

describe('the idle status bar item with a budget', () => {
  it('names the budget when it sets the shutdown', () => {
    const status = formatStatus(view(BUDGET), null);
    expect(status.text).toBe(
      'idle 12 min · stops in 12 min (idle budget $0.50)'
    );
    expect(status.title).toContain(
      'When the idle budget is reached: delete this Studio app.'
    );
    expect(status.title).toContain(
      "The idle budget of $0.50 comes first: at this app's price it buys 24 min of idle time."
    );
  });

  it('says when the timeout comes before the budget', () => {
    const status = formatStatus(
      view({ limit: 'timeout', max_idle_usd: 5 }),
      null
    );
    expect(status.text).toBe('idle 12 min · stops in 48 min');
    expect(status.title).toContain(
      'The idle timeout comes before the idle budget of $5.00.'
    );
  });

  it('says nothing of a budget there is none', () => {
    expect(describeLimit(idleStatus({ limit: 'timeout' }))).toBeNull();
    expect(
      describeLimit(idleStatus({ limit: 'timeout', max_idle_usd: null }))
    ).toBeNull();
    expect(describeLimit(idleStatus())).toBeNull();
  });
});
