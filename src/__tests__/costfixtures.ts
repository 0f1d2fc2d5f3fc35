import { ServerConnection } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

import { CostModel } from '../cost/model';
import { IdleModel } from '../idle/model';
import { IBudget, ICost, IPrice, IResource, IResources } from '../api';
import { NOW } from './fixtures';

/**
 * A known price from the Price List API.
 */
export function knownPrice(usdPerHour = 1.408): IPrice {
  return {
    known: true,
    usd_per_hour: usdPerHour,
    source: 'price-list-api',
    as_of: '2026-11-26',
    detail: 'AWS Price List API, us-east-1, 2026-11-26'
  };
}

/**
 * An unknown price with its reason.
 */
export function unknownPrice(
  reason = 'price unknown for ml.x9.huge (training) in region us-east-1: no such product'
): IPrice {
  return { known: false, usd_per_hour: null, source: 'unknown', reason };
}

/**
 * A `GET cost` answer for a Studio space on ml.g5.xlarge, with overrides.
 */
export function cost(overrides: Partial<ICost> = {}): ICost {
  return {
    generated_at: '2026-11-26T16:20:00+00:00',
    environment: {
      kind: 'studio-space',
      region: 'us-east-1',
      instance_type: 'ml.g5.xlarge',
      domain_id: 'd-abc',
      space_name: 'demo',
      user_profile_name: null,
      app_type: 'JupyterLab',
      app_name: 'default',
      error: null
    },
    instance: {
      instance_type: 'ml.g5.xlarge',
      component: 'studio-jupyterlab',
      price: knownPrice(1.408)
    },
    storage: {
      size_gb: 5,
      usd_per_gb_month: 0.112,
      price: {
        known: true,
        usd_per_hour: 0.112 / 730,
        source: 'snapshot',
        as_of: '2026-11-01',
        detail: 'Bundled snapshot of the AWS price list, 2026-11-01'
      }
    },
    usd_per_hour: 1.43,
    started_at: '2026-11-26T14:20:00+00:00',
    uptime_seconds: 7200,
    session_usd: 2.86,
    projection: { per_day_usd: 34.32, per_month_usd: 1043.9 },
    idle: {
      idle_seconds: 720,
      idle_usd: 0.286,
      max_idle_usd: null,
      limit: 'timeout',
      budget_seconds: null,
      shutdown_at: '2026-11-26T17:08:00+00:00'
    },
    problems: [],
    ...overrides
  };
}

/**
 * A `GET cost` answer in local mode without an instance type (nothing to
 * price: the meter and the environment are hidden).
 */
/**
 * A `GET budget` answer: $41 of $100 spent, projected to $92, with overrides.
 */
export function budget(overrides: Partial<IBudget> = {}): IBudget {
  return {
    generated_at: '2026-11-26T16:20:00+00:00',
    month: '2026-11',
    month_ends_at: '2026-12-01T00:00:00+00:00',
    hours_left: 103.67,
    budget_usd: 100,
    budget_source: 'policy',
    spent_usd: 41,
    spent_sources: {
      'this-app': 21,
      'training-jobs': 15,
      'processing-jobs': 0,
      'transform-jobs': 0,
      endpoints: 5,
      apps: 0,
      'notebook-instances': 0
    },
    usd_per_hour: 0.5,
    unknown_rates: 0,
    projected_usd: 92.84,
    state: 'under',
    share_spent: 0.41,
    timeout_tightened: false,
    notes: [],
    ...overrides
  };
}

export function localCost(
  reason = 'local mode: set c.SMCost.instance_type'
): ICost {
  return cost({
    environment: {
      ...cost().environment,
      kind: 'local',
      instance_type: null
    },
    instance: {
      instance_type: null,
      component: null,
      price: unknownPrice(reason)
    },
    usd_per_hour: null,
    session_usd: null
  });
}

/**
 * A running resource, with overrides.
 */
export function resource(overrides: Partial<IResource> = {}): IResource {
  return {
    kind: 'training-job',
    name: 'demo-resnet-train',
    arn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/demo-resnet-train',
    status: 'InProgress',
    instance_type: 'ml.p3.2xlarge',
    instance_count: 1,
    spot: false,
    started_at: '2026-11-26T15:55:00+00:00',
    running_seconds: 1500,
    max_runtime_seconds: 86400,
    billable_seconds: null,
    usd_per_hour: 3.825,
    cost_so_far_usd: 1.59,
    price: knownPrice(3.825),
    detail: '',
    console_url:
      'https://us-east-1.console.aws.amazon.com/sagemaker/home?region=us-east-1#/jobs/demo-resnet-train',
    ...overrides
  };
}

/**
 * A `GET resources` answer, with overrides.
 */
export function resources(overrides: Partial<IResources> = {}): IResources {
  const rows = overrides.resources ?? [
    resource(),
    resource({
      kind: 'endpoint',
      name: 'demo-endpoint',
      status: 'InService',
      instance_type: 'ml.m5.large',
      instance_count: 2,
      usd_per_hour: 0.23,
      cost_so_far_usd: 0.12,
      price: knownPrice(0.115),
      running_seconds: 1800,
      console_url:
        'https://us-east-1.console.aws.amazon.com/sagemaker/home?region=us-east-1#/endpoints/demo-endpoint'
    })
  ];
  return {
    generated_at: '2026-11-26T16:20:00+00:00',
    fetched_at: '2026-11-26T16:19:40+00:00',
    ttl_seconds: 60,
    scope: 'mine',
    region: 'us-east-1',
    state: 'ok',
    total_usd_per_hour: 4.055,
    unpriced: 0,
    problems: [],
    aws_busy: null,
    ...overrides,
    resources: rows
  };
}

/**
 * A clock the test moves by hand.
 */
export class FakeClock {
  now = NOW;
  read = (): number => this.now;
}

/**
 * What the fake server answers for one end point: the next answer each time
 * (the last one again when they run out); an `Error` is a network failure,
 * a number an HTTP error status.
 */
export type Answer = object | Error | number;

/**
 * A fake server for the cost end points (and `status`), with the requests
 * it saw.
 */
export class FakeServer {
  constructor(answers: { [endPoint: string]: Answer[] } = {}) {
    this.answers = answers;
  }

  answers: { [endPoint: string]: Answer[] };
  requests: string[] = [];
  /** Every request with its method and body. */
  calls: Array<{ path: string; method: string; body: string }> = [];

  /**
   * The server connection that reaches this fake.
   */
  get settings(): ServerConnection.ISettings {
    return ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: this.fetch as unknown as typeof window.fetch
    });
  }

  /**
   * How many requests reached an end point.
   */
  count(endPoint: string): number {
    return this.requests.filter(r => r === endPoint).length;
  }

  /**
   * Keep the answers of an end point back (a request in flight) until the
   * returned function is called.
   */
  hold(endPoint: string): () => void {
    let release = (): void => undefined;
    const gate = new Promise<void>(resolve => {
      release = resolve;
    });
    this._held.set(endPoint, gate);
    return () => {
      this._held.delete(endPoint);
      release();
    };
  }

  fetch = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname.replace('/jupyter-smcost/', '');
    this.requests.push(path);
    await this._held.get(path);
    this.calls.push({
      path,
      method: request.method,
      body: request.method === 'GET' ? '' : await request.text()
    });
    const queue = this.answers[path] ?? [];
    const next = queue.length > 1 ? queue.shift() : queue[0];
    if (next === undefined) {
      return new Response(JSON.stringify({ message: 'Not Found' }), {
        status: 404
      });
    }
    if (next instanceof Error) {
      throw next;
    }
    if (typeof next === 'number') {
      return new Response(JSON.stringify({ message: `HTTP ${next}` }), {
        status: next
      });
    }
    return new Response(JSON.stringify(next), { status: 200 });
  };

  private _held = new Map<string, Promise<void>>();
}

/**
 * A model's options for a fake server and clock, not polling by itself.
 */
export function unpolled(server: FakeServer, clock: FakeClock) {
  return {
    serverSettings: server.settings,
    autoStart: false,
    clock: clock.read
  };
}

/**
 * A cost model on a fake server, not polling by itself.
 */
export function costModel(
  server: FakeServer,
  clock = new FakeClock(),
  options: Partial<CostModel.IOptions> = {}
): CostModel {
  return new CostModel({ ...unpolled(server, clock), ...options });
}

/**
 * An idle model on a fake server, not polling by itself.
 */
export function idleModel(
  server: FakeServer,
  clock = new FakeClock()
): IdleModel {
  return new IdleModel(unpolled(server, clock));
}

/**
 * Wait for pending promises and zero-delay timers.
 */
export function settle(ms = 0): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * The element of a test id in a widget (the Cost panel, say).
 */
export function byId(widget: Widget, id: string): HTMLElement {
  const node = widget.node.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  if (node === null) {
    throw new Error(`no element with data-testid ${id}`);
  }
  return node;
}

/**
 * The text of the element of a test id in a widget.
 */
export function text(widget: Widget, id: string): string {
  return byId(widget, id).textContent ?? '';
}
