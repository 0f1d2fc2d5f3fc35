import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { CostModel } from '../cost/model';
import { COST_PANEL_CLASS, COST_PANEL_ID, CostPanel } from '../cost/panel';
import { SessionCostHistory } from '../cost/history';
import { IdleModel } from '../idle/model';
import { SuggestionsModel } from '../suggestions/model';
import { SuggestionsView } from '../suggestions/view';
import { IResources } from '../api';
import {
  byId,
  cost,
  costModel,
  FakeClock,
  FakeServer,
  idleModel,
  resource,
  resources,
  settle,
  text,
  unknownPrice,
  localCost
} from './costfixtures';
import { status } from './fixtures';
import { suggestions, suggestionsModel } from './suggestionsfixtures';

/**
 * Whether an element or one of its ancestors in the panel is hidden.
 */
function isShown(panel: CostPanel, id: string): boolean {
  let node: HTMLElement | null = byId(panel, id);
  while (node !== null && node !== panel.node) {
    if (node.hidden) {
      return false;
    }
    node = node.parentElement;
  }
  return true;
}

/**
 * The toolbar's refresh button, once JupyterLab's button (a React widget)
 * has rendered.
 */
async function refreshButton(panel: CostPanel): Promise<HTMLElement> {
  for (let i = 0; i < 50; i++) {
    const button = panel.toolbar.node.querySelector<HTMLElement>(
      '[data-testid="smcost-refresh"]'
    );
    if (button !== null) {
      return button;
    }
    await settle(10);
  }
  throw new Error('the refresh button did not render');
}

/**
 * The test ids of an element's children, in order.
 */
function childIds(node: HTMLElement): Array<string | undefined> {
  return Array.from(node.children).map(
    child => (child as HTMLElement).dataset.testid
  );
}

function rows(panel: CostPanel): HTMLTableRowElement[] {
  return Array.from(
    panel.node.querySelectorAll<HTMLTableRowElement>(
      '[data-testid="smcost-resource-row"]'
    )
  );
}

describe('CostPanel', () => {
  let panel: CostPanel;
  let model: CostModel;
  let idle: IdleModel | null;
  let clock: FakeClock;

  function make(
    server: FakeServer,
    options: Partial<CostPanel.IOptions> = {}
  ): CostPanel {
    clock = new FakeClock();
    model = costModel(server, clock);
    idle = idleModel(server, clock);
    panel = new CostPanel({
      model,
      idle,
      keepRunning: () => idle!.keepRunning(),
      clock: clock.read,
      ...options
    });
    return panel;
  }

  afterEach(() => {
    if (panel.isAttached) {
      Widget.detach(panel);
    }
    panel.dispose();
    model.dispose();
    idle?.dispose();
  });

  it('has a stable id, class, icon and caption', () => {
    make(new FakeServer());
    expect(panel.id).toBe(COST_PANEL_ID);
    expect(panel.hasClass(COST_PANEL_CLASS)).toBe(true);
    expect(panel.node.dataset.testid).toBe('smcost-cost-panel');
    expect(panel.title.caption).toBe('SageMaker Cost');
    expect(panel.title.icon).toBeDefined();
    expect(panel.node.getAttribute('aria-label')).toBe('SageMaker cost');
  });

  it('says it is loading before the first answer', () => {
    make(new FakeServer());
    expect(panel.node.dataset.state).toBe('loading');
    // JupyterLab's spinner in the toolbar, and the content is busy.
    expect(isShown(panel, 'smcost-busy')).toBe(true);
    expect(byId(panel, 'smcost-busy').classList).toContain('jp-Spinner');
    expect(byId(panel, 'smcost-content').getAttribute('aria-busy')).toBe(
      'true'
    );
    expect(isShown(panel, 'smcost-cost-status')).toBe(true);
    expect(text(panel, 'smcost-cost-message')).toBe('Loading the cost…');
    expect(isShown(panel, 'smcost-environment')).toBe(false);
    expect(isShown(panel, 'smcost-cost-retry')).toBe(false);
    expect(text(panel, 'smcost-resources-message')).toBe(
      'Listing running resources…'
    );
    expect(byId(panel, 'smcost-resources-status').dataset.state).toBe(
      'loading'
    );
  });

  it('shows the figures, their source, the resources and the total', async () => {
    const server = new FakeServer({
      cost: [cost()],
      resources: [resources({ total_usd_per_hour: 4 })],
      status: [status()]
    });
    make(server);
    await model.update();
    await model.updateResources();
    await idle!.update();
    expect(panel.node.dataset.state).toBe('ready');
    expect(isShown(panel, 'smcost-cost-status')).toBe(false);
    expect(text(panel, 'smcost-environment-heading')).toBe('This space');
    expect(text(panel, 'smcost-instance-type')).toBe('ml.g5.xlarge');
    expect(text(panel, 'smcost-rate')).toBe('$1.43/h');
    expect(text(panel, 'smcost-session')).toBe('$2.86 (2 h)');
    expect(text(panel, 'smcost-per-day')).toBe('$34.32');
    expect(text(panel, 'smcost-per-month')).toBe('$1,044');
    const source = byId(panel, 'smcost-price-source');
    expect(source.textContent).toBe('Price: AWS Price List API, 2026-11-26');
    expect(source.title).toBe('AWS Price List API, us-east-1, 2026-11-26');
    expect(source.dataset.source).toBe('price-list-api');
    expect(text(panel, 'smcost-storage')).toBe(
      'Storage: 5 GB, $0.56/month (in the rate)'
    );
    expect(isShown(panel, 'smcost-cost-problems')).toBe(false);

    expect(text(panel, 'smcost-countdown')).toBe(
      'Idle 12 min · stops in 48 min (idle timeout 1 h)'
    );
    expect(text(panel, 'smcost-idle-cost')).toBe('Idle time so far: $0.29');
    expect(isShown(panel, 'smcost-keep-running')).toBe(true);

    expect(text(panel, 'smcost-resources-scope')).toBe('(yours, us-east-1)');
    expect(isShown(panel, 'smcost-resources-status')).toBe(false);
    const [first, second] = rows(panel);
    expect(rows(panel)).toHaveLength(2);
    expect(first.dataset.kind).toBe('training-job');
    expect(first.dataset.name).toBe('demo-resnet-train');
    // The console link is with the rest of the row, shown on expand.
    const link = first.querySelector<HTMLAnchorElement>(
      '[data-testid="smcost-resource-more"] a'
    )!;
    expect(link.textContent).toBe('AWS console');
    expect(link.getAttribute('aria-label')).toBe(
      'Open demo-resnet-train in the AWS console (new tab)'
    );
    expect(link.href).toBe(
      'https://us-east-1.console.aws.amazon.com/sagemaker/home?region=us-east-1#/jobs/demo-resnet-train'
    );
    expect(link.target).toBe('_blank');
    expect(link.rel).toBe('noopener noreferrer');
    // One line: name, instances, rate, cost so far; the rest on expand.
    const cells = Array.from(first.children).map(c => c.textContent);
    // The instance type without the `ml.` of every SageMaker type: the
    // part that differs shows in a narrow panel.
    expect(cells).toEqual([
      'demo-resnet-train',
      'p3.2xlarge × 1',
      '$3.83/h',
      '$1.59',
      'demo-resnet-train: Training job · running 25 min · ml.p3.2xlarge × 1 · InProgress AWS console'
    ]);
    expect(first.children[0].tagName).toBe('TH');
    expect(first.children[0].getAttribute('scope')).toBe('row');
    const more = first.querySelector<HTMLElement>(
      '[data-testid="smcost-resource-more"]'
    )!;
    expect(more.hidden).toBe(true);
    const toggle = first.querySelector<HTMLButtonElement>(
      '[data-testid="smcost-resource-toggle"]'
    )!;
    expect(toggle.tagName).toBe('BUTTON');
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(toggle.getAttribute('aria-controls')).toBe(more.id);
    // The name is the button: its accessible name.
    expect(toggle.textContent).toBe('demo-resnet-train');
    expect(toggle.getAttribute('aria-label')).toBeNull();
    Widget.attach(panel, document.body);
    toggle.click();
    expect(more.hidden).toBe(false);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(first.dataset.expanded).toBe('true');
    // Names and instance types are shortened with an ellipsis in the
    // sidebar: the whole text is in their title.
    expect(toggle.title).toBe('demo-resnet-train');
    expect(
      first.querySelector<HTMLElement>(
        '[data-testid="smcost-resource-instances"]'
      )!.title
    ).toBe('ml.p3.2xlarge × 1');
    expect(
      second.querySelector('[data-testid="smcost-resource-instances"]')!
        .textContent
    ).toBe('m5.large × 2');
    const headers = Array.from(panel.node.querySelectorAll('thead th'));
    expect(headers.map(h => h.textContent)).toEqual([
      'Name',
      'Instance',
      'Rate',
      'So far'
    ]);
    expect(headers.every(h => h.getAttribute('scope') === 'col')).toBe(true);
    // Grouped by kind, the most expensive group first, with its subtotal.
    const groups = Array.from(
      panel.node.querySelectorAll<HTMLElement>(
        '[data-testid="smcost-resource-group"]'
      )
    );
    expect(groups.map(g => [g.dataset.category, g.textContent])).toEqual([
      ['training', 'Training (1)$3.83/h'],
      ['endpoints', 'Endpoints (1)$0.23/h']
    ]);
    // The price source is said once, in a footnote, not on every row.
    expect(text(panel, 'smcost-price-footnote')).toBe(
      'Prices: AWS Price List API, 2026-11-26.'
    );
    expect(first.textContent).not.toContain('Price List');
    expect(text(panel, 'smcost-total')).toBe(
      'Total: $5.43/h including this space'
    );
    expect(text(panel, 'smcost-updated')).toBe('Listed from AWS 20 s ago.');
  });

  it('ticks the session cost and the countdown while shown', async () => {
    jest.useFakeTimers();
    const server = new FakeServer({
      cost: [cost({ usd_per_hour: 3.6, session_usd: 1 })],
      resources: [resources()],
      status: [status()]
    });
    make(server);
    await model.update();
    await idle!.update();
    Widget.attach(panel, document.body);
    expect(text(panel, 'smcost-session')).toBe('$1.00 (2 h)');
    clock.now += 60_000;
    jest.advanceTimersByTime(1000);
    // $3.60/h for a minute: 6 cents.
    expect(text(panel, 'smcost-session')).toBe('$1.06 (2 h 1 min)');
    expect(text(panel, 'smcost-countdown')).toBe(
      'Idle 13 min · stops in 47 min (idle timeout 1 h)'
    );
    Widget.detach(panel);
    jest.useRealTimers();
  });

  it('moves the running times and costs of resources on from the document', async () => {
    jest.useFakeTimers();
    const server = new FakeServer({
      cost: [cost()],
      resources: [
        resources({
          omitted: { count: 805, usd_per_hour: 12.5 }
        } as Partial<IResources>)
      ],
      status: [status()]
    });
    make(server);
    await model.update();
    await model.updateResources();
    await idle!.update();
    Widget.attach(panel, document.body);
    const cells = () =>
      ['smcost-resource-running', 'smcost-resource-cost'].map(
        id => rows(panel)[0].querySelector(`[data-testid="${id}"]`)!.textContent
      );
    expect(cells()).toEqual(['25 min', '$1.59']);
    // The server sends the same document for a whole listing: the browser
    // counts on from started_at and generated_at.
    clock.now += 10 * 60_000;
    jest.advanceTimersByTime(1000);
    // $3.825/h for 10 more minutes: $0.64 more.
    expect(cells()).toEqual(['35 min', '$2.23']);
    expect(text(panel, 'smcost-omitted')).toBe(
      '805 more resources not listed, $12.50/h.'
    );
    Widget.detach(panel);
    jest.useRealTimers();
  });

  it('names the idle budget when it sets the shutdown', async () => {
    const server = new FakeServer({
      cost: [cost({ usd_per_hour: 1.25 })],
      status: [
        status({
          limit: 'budget',
          max_idle_usd: 0.5,
          budget_seconds: 1440,
          timeout_seconds: 1440,
          seconds_until_shutdown: 720
        })
      ]
    });
    make(server);
    await model.update();
    await idle!.update();
    expect(text(panel, 'smcost-countdown')).toBe(
      'Idle 12 min · stops in 12 min (idle budget $0.50 reached)'
    );
    expect(byId(panel, 'smcost-countdown').dataset.limit).toBe('budget');
    expect(text(panel, 'smcost-idle-cost')).toBe(
      'Idle time so far: $0.25 of the $0.50 idle budget'
    );
  });

  it('keeps the app running from its button', async () => {
    const server = new FakeServer({
      cost: [cost()],
      status: [status()],
      activity: [status().idle]
    });
    make(server);
    await idle!.update();
    Widget.attach(panel, document.body);
    const button = byId(panel, 'smcost-keep-running') as HTMLButtonElement;
    expect(button.tagName).toBe('BUTTON');
    expect(button.getAttribute('aria-label')).toContain('Keep running');
    button.focus();
    button.click();
    // Busy, but still focused: a second press while the first is in flight is ignored.
    expect(button.getAttribute('aria-disabled')).toBe('true');
    expect(document.activeElement).toBe(button);
    button.click();
    await settle(20);
    expect(server.count('activity')).toBe(1);
    expect(text(panel, 'smcost-keep-running-message')).toBe(
      'The idle clock starts again.'
    );
    expect(button.getAttribute('aria-disabled')).toBeNull();
    expect(document.activeElement).toBe(button);
  });

  it('takes the keyboard focus when it is activated', () => {
    make(new FakeServer({ status: [status()] }));
    Widget.attach(panel, document.body);
    (document.activeElement as HTMLElement | null)?.blur();
    MessageLoop.sendMessage(panel, Widget.Msg.ActivateRequest);
    expect(document.activeElement).toBe(panel.node);
  });

  it('says when "Keep running" could not reach the server', async () => {
    const server = new FakeServer({ status: [status()], activity: [503] });
    make(server);
    await idle!.update();
    Widget.attach(panel, document.body);
    byId(panel, 'smcost-keep-running').click();
    await settle(20);
    expect(text(panel, 'smcost-keep-running-message')).toBe(
      'Could not reach the server to keep the app running: HTTP 503'
    );
  });

  it('has no idle section without the idle model', () => {
    make(new FakeServer(), { idle: null, keepRunning: null });
    expect(isShown(panel, 'smcost-idle')).toBe(false);
  });

  it('says when there is nothing running', async () => {
    const server = new FakeServer({
      cost: [cost()],
      resources: [resources({ resources: [], total_usd_per_hour: 0 })]
    });
    make(server);
    await model.update();
    await model.updateResources();
    const status = byId(panel, 'smcost-resources-status');
    expect(status.dataset.state).toBe('empty');
    expect(text(panel, 'smcost-resources-message')).toBe(
      'No running jobs or endpoints.'
    );
    expect(isShown(panel, 'smcost-resources-table')).toBe(false);
    expect(isShown(panel, 'smcost-resources-retry')).toBe(false);
    expect(text(panel, 'smcost-total')).toBe(
      'Total: $1.43/h including this space'
    );
  });

  it('says AWS is busy with the time the rows were listed, and not when it is not', async () => {
    // Listed at 16:19:40, sent at 16:20: the note names the listing's minute.
    const fetchedAt = '2026-11-26T16:19:40+00:00';
    const busy = {
      since: '2026-11-26T16:19:00+00:00',
      until: '2026-11-26T16:21:00+00:00'
    };
    const server = new FakeServer({
      cost: [cost()],
      resources: [
        resources({ aws_busy: busy }),
        resources({ aws_busy: null }),
        resources({ state: 'loading', fetched_at: null, aws_busy: busy })
      ]
    });
    make(server);
    const note = byId(panel, 'smcost-resources-aws-busy');
    expect(note.hidden).toBe(true);
    await model.update();
    await model.updateResources();
    const time = (iso: string) =>
      new Date(Date.parse(iso)).toLocaleTimeString([], {
        hour: '2-digit',
        minute: '2-digit'
      });
    expect(isShown(panel, 'smcost-resources-aws-busy')).toBe(true);
    expect(note.textContent).toBe(
      `AWS is busy; figures as of ${time(fetchedAt)}`
    );
    expect(note.title).toBe(
      `AWS is throttling this server: its figures are read again after ${time(busy.until)}.`
    );
    expect(note.getAttribute('role')).toBe('status');
    expect(note.classList.contains('jp-smcost-busy')).toBe(true);
    expect(rows(panel)).toHaveLength(2); // the last rows stay
    await model.updateResources();
    expect(note.hidden).toBe(true);
    expect(note.textContent).toBe('');
    // No listing yet: no time to name.
    await model.updateResources();
    expect(note.hidden).toBe(false);
    expect(note.textContent).toBe('AWS is busy; no figures yet');
  });

  it('says why nothing is listed when no owner can be told', async () => {
    const note =
      'this server is not in a SageMaker Studio space: no resource can be proven to be yours';
    const server = new FakeServer({
      cost: [cost()],
      resources: [
        resources({
          resources: [],
          total_usd_per_hour: 0,
          problems: [{ kind: null, code: 'scope', action: null, message: note }]
        })
      ]
    });
    make(server);
    await model.update();
    await model.updateResources();
    expect(byId(panel, 'smcost-resources-status').dataset.state).toBe('empty');
    expect(text(panel, 'smcost-resources-message')).toBe(
      'No running jobs or endpoints that are provably yours:'
    );
    expect(text(panel, 'smcost-problems')).toContain(note);
  });

  it('shows an error with Retry, and recovers', async () => {
    const server = new FakeServer({
      cost: [new TypeError('Failed to fetch'), cost()],
      resources: [500, resources()]
    });
    make(server);
    Widget.attach(panel, document.body);
    await model.update().catch(() => undefined);
    await settle(20);
    expect(panel.node.dataset.state).toBe('error');
    expect(text(panel, 'smcost-cost-status')).toContain(
      'Could not get the cost: Failed to fetch'
    );
    expect(isShown(panel, 'smcost-cost-retry')).toBe(true);
    const resourcesStatus = byId(panel, 'smcost-resources-status');
    expect(resourcesStatus.dataset.state).toBe('error');
    expect(resourcesStatus.textContent).toContain(
      'Could not list the running resources: HTTP 500'
    );
    expect(isShown(panel, 'smcost-resources-retry')).toBe(true);

    byId(panel, 'smcost-cost-retry').click();
    await settle(50);
    expect(panel.node.dataset.state).toBe('ready');
    expect(isShown(panel, 'smcost-cost-status')).toBe(false);
    expect(rows(panel)).toHaveLength(2);
    expect(isShown(panel, 'smcost-resources-retry')).toBe(false);
  });

  it('keeps the last figures when a refresh fails', async () => {
    const server = new FakeServer({ cost: [cost(), 502] });
    make(server);
    await model.update();
    await model.update().catch(() => undefined);
    expect(panel.node.dataset.state).toBe('error');
    expect(text(panel, 'smcost-rate')).toBe('$1.43/h');
    expect(text(panel, 'smcost-cost-status')).toContain(
      'Could not refresh the cost (figures from 0 s ago): HTTP 502'
    );
  });

  it('lists the problems of a partial listing verbatim', async () => {
    const message =
      'no permission for sagemaker:ListTrainingJobs: add it to the execution role (jupyter smcost policy --for user prints the policy)';
    const server = new FakeServer({
      resources: [
        resources({
          state: 'partial',
          resources: [resource({ kind: 'endpoint', name: 'ep' })],
          problems: [
            {
              kind: 'training-job',
              code: 'permission',
              action: 'sagemaker:ListTrainingJobs',
              message
            }
          ]
        })
      ]
    });
    make(server);
    await model.updateResources();
    const status = byId(panel, 'smcost-resources-status');
    expect(status.dataset.state).toBe('partial');
    expect(text(panel, 'smcost-resources-message')).toBe(
      'Some kinds of resources could not be listed:'
    );
    const items = byId(panel, 'smcost-problems').querySelectorAll('li');
    expect(items).toHaveLength(1);
    expect(items[0].textContent).toBe(message);
    expect(items[0].dataset.code).toBe('permission');
    expect(rows(panel)).toHaveLength(1);
  });

  it("lists the server's reasons when no kind could be listed", async () => {
    const server = new FakeServer({
      resources: [
        resources({
          state: 'unavailable',
          resources: [],
          total_usd_per_hour: 0,
          problems: [
            {
              kind: null,
              code: 'aws-error',
              action: null,
              message: 'no region: set AWS_DEFAULT_REGION'
            }
          ]
        })
      ]
    });
    make(server);
    await model.updateResources();
    expect(byId(panel, 'smcost-resources-status').dataset.state).toBe(
      'unavailable'
    );
    expect(text(panel, 'smcost-problems')).toBe(
      'no region: set AWS_DEFAULT_REGION'
    );
  });

  it('shows an unknown price with its reason, never $0', async () => {
    const reason =
      'price unknown for ml.x9.huge (studio-jupyterlab) in region us-east-1: no such product';
    const server = new FakeServer({
      cost: [
        cost({
          instance: {
            instance_type: 'ml.x9.huge',
            component: 'studio-jupyterlab',
            price: unknownPrice(reason)
          },
          usd_per_hour: null,
          session_usd: null,
          projection: { per_day_usd: null, per_month_usd: null },
          problems: [
            { code: 'price-unknown', message: reason },
            {
              code: 'permission',
              message: 'no permission for sagemaker:DescribeSpace'
            }
          ]
        })
      ],
      resources: [
        resources({
          unpriced: 1,
          total_usd_per_hour: 3.825,
          resources: [
            resource(),
            resource({
              name: 'mystery',
              usd_per_hour: null,
              cost_so_far_usd: null,
              price: unknownPrice('price unknown for ml.x9.huge (training)')
            })
          ]
        })
      ]
    });
    make(server);
    await model.update();
    await model.updateResources();
    expect(text(panel, 'smcost-rate')).toBe('price unknown');
    expect(byId(panel, 'smcost-environment').dataset.price).toBe('unknown');
    expect(text(panel, 'smcost-session')).toBe('—');
    expect(text(panel, 'smcost-per-month')).toBe('—');
    expect(text(panel, 'smcost-price-source')).toBe(`Price unknown: ${reason}`);
    // The price problem is on the price line; the others are listed.
    expect(text(panel, 'smcost-cost-problems')).toBe(
      'no permission for sagemaker:DescribeSpace'
    );
    const mystery = rows(panel)[1];
    expect(mystery.dataset.price).toBe('unknown');
    expect(
      mystery.querySelector('[data-testid="smcost-resource-rate"]')!.textContent
    ).toBe('price unknown');
    expect(mystery.textContent).toContain(
      'Price unknown: price unknown for ml.x9.huge (training)'
    );
    expect(text(panel, 'smcost-total')).toBe(
      'Total: $3.83/h · this space has no known price; 1 resource has no price (not counted)'
    );
    expect(panel.node.textContent).not.toMatch(/\$0(\.0+)?(?!\.?\d)/);
  });

  it('keeps rows (and the focus in them) across updates', async () => {
    const server = new FakeServer({
      resources: [
        resources(),
        resources({
          resources: [
            resource({ name: 'new-job', usd_per_hour: 9 }),
            resource({ running_seconds: 1560, cost_so_far_usd: 1.66 })
          ]
        })
      ]
    });
    make(server);
    Widget.attach(panel, document.body);
    await model.updateResources();
    const before = rows(panel)[0];
    const toggle = before.querySelector<HTMLElement>(
      '[data-testid="smcost-resource-toggle"]'
    )!;
    toggle.focus();
    expect(document.activeElement).toBe(toggle);
    await model.updateResources();
    const after = rows(panel);
    expect(after.map(r => r.dataset.name)).toEqual([
      'new-job',
      'demo-resnet-train'
    ]);
    expect(after[1]).toBe(before);
    expect(after[1].textContent).toContain('$1.66');
    expect(document.activeElement).toBe(toggle);
  });

  it('only links to https URLs', async () => {
    const server = new FakeServer({
      resources: [
        resources({
          resources: [
            resource({ console_url: 'javascript:alert(1)' }),
            resource({ name: 'b', console_url: null })
          ]
        })
      ]
    });
    make(server);
    await model.updateResources();
    expect(panel.node.querySelectorAll('tbody a[href]')).toHaveLength(0);
    const links = Array.from(
      panel.node.querySelectorAll<HTMLElement>(
        '[data-testid="smcost-resource-link"]'
      )
    );
    expect(links.map(link => link.hidden)).toEqual([true, true]);
  });

  it('polls the resources only while shown', async () => {
    const server = new FakeServer({ resources: [resources()] });
    make(server);
    expect(model.resourcesWanted).toBe(false);
    Widget.attach(panel, document.body);
    expect(model.resourcesWanted).toBe(true);
    await settle(20);
    expect(server.count('resources')).toBe(1);
    panel.hide();
    expect(model.resourcesWanted).toBe(false);
    panel.show();
    expect(model.resourcesWanted).toBe(true);
    Widget.detach(panel);
    expect(model.resourcesWanted).toBe(false);
  });

  it('refreshes from its button', async () => {
    const server = new FakeServer({
      cost: [cost()],
      resources: [resources()]
    });
    make(server);
    Widget.attach(panel, document.body);
    await settle(20);
    const before = server.count('cost');
    const button = await refreshButton(panel);
    // JupyterLab's toolbar button, with its icon and a translated tooltip.
    expect(button.classList).toContain('jp-ToolbarButtonComponent');
    expect(button.getAttribute('aria-label')).toBe('Refresh the cost');
    expect(button.title).toBe('Refresh the cost');
    expect(button.querySelector('svg')).not.toBeNull();
    button.click();
    await settle(20);
    expect(server.count('cost')).toBe(before + 1);
    // An action, not a toggle.
    expect(button.getAttribute('aria-pressed')).not.toBe('true');
  });

  it('shows the spinner while a refresh from the toolbar is in flight', async () => {
    const server = new FakeServer({
      cost: [cost()],
      resources: [resources()]
    });
    make(server);
    await model.update();
    Widget.attach(panel, document.body);
    await settle(20);
    // The figures have come: no spinner.
    expect(model.resourcesState).toBe('ready');
    expect(isShown(panel, 'smcost-busy')).toBe(false);
    const content = byId(panel, 'smcost-content');
    expect(content.hasAttribute('aria-busy')).toBe(false);

    const refresh = jest.spyOn(model, 'refresh');
    const release = server.hold('cost');
    const before = server.count('cost');
    (await refreshButton(panel)).click();
    expect(refresh).toHaveBeenCalledTimes(1);
    await settle(20);
    // The request is out and unanswered: the spinner shows, labelled.
    expect(server.count('cost')).toBe(before + 1);
    expect(isShown(panel, 'smcost-busy')).toBe(true);
    const spinner = byId(panel, 'smcost-busy');
    expect(panel.toolbar.node.contains(spinner)).toBe(true);
    expect(spinner.getAttribute('role')).toBe('progressbar');
    expect(spinner.getAttribute('aria-label')).toBe('Refreshing the cost…');
    expect(content.getAttribute('aria-busy')).toBe('true');
    // A tick meanwhile keeps it.
    panel.render();
    expect(isShown(panel, 'smcost-busy')).toBe(true);

    release();
    await settle(20);
    expect(isShown(panel, 'smcost-busy')).toBe(false);
    expect(content.hasAttribute('aria-busy')).toBe(false);
    expect(panel.node.dataset.state).toBe('ready');
  });

  it('hides the spinner after a failed refresh, which says why', async () => {
    const server = new FakeServer({
      cost: [cost(), 500],
      resources: [resources()]
    });
    make(server);
    await model.update();
    Widget.attach(panel, document.body);
    await settle(20);
    const release = server.hold('cost');
    (await refreshButton(panel)).click();
    await settle(20);
    expect(isShown(panel, 'smcost-busy')).toBe(true);
    release();
    await settle(20);
    expect(isShown(panel, 'smcost-busy')).toBe(false);
    expect(panel.node.dataset.state).toBe('error');
    expect(text(panel, 'smcost-cost-message')).toMatch(
      /^Could not refresh the cost/
    );
  });

  it('hides the environment in local mode without an instance type', async () => {
    const server = new FakeServer({
      cost: [localCost()]
    });
    make(server);
    await model.update();
    expect(panel.node.dataset.state).toBe('ready');
    expect(isShown(panel, 'smcost-environment')).toBe(false);
  });

  describe('at a glance', () => {
    let savings: SuggestionsModel;
    let history: SessionCostHistory;

    afterEach(() => {
      history?.dispose();
      savings?.dispose();
    });

    function makeFull(server: FakeServer): CostPanel {
      make(server);
      panel.dispose();
      savings = suggestionsModel(server, clock);
      history = new SessionCostHistory({ model, storage: null });
      panel = new CostPanel({
        model,
        idle,
        keepRunning: () => idle!.keepRunning(),
        savings: new SuggestionsView({ model: savings }),
        history,
        clock: clock.read
      });
      return panel;
    }

    it('puts the total on top, then the picture, then the savings', async () => {
      const server = new FakeServer({
        cost: [cost()],
        resources: [resources()],
        suggestions: [suggestions()]
      });
      makeFull(server);
      // Before the listing: this space alone.
      await model.update();
      expect(text(panel, 'smcost-total')).toBe(
        'This space: $1.43/h · listing resources…'
      );
      await model.updateResources();
      await savings.update();
      // A SidePanel: the header with the total, the toolbar, the content.
      expect(panel.hasClass('jp-SidePanel')).toBe(true);
      expect(childIds(panel.node)).toEqual([
        'smcost-header',
        'smcost-toolbar',
        'smcost-content'
      ]);
      const header = byId(panel, 'smcost-header');
      expect(header).toBe(panel.header.node);
      expect(header.classList).toContain('jp-smcost-CostPanel-header');
      expect(header.contains(byId(panel, 'smcost-total'))).toBe(true);
      expect(text(panel, 'smcost-total')).toBe(
        'Total: $5.48/h including this space'
      );
      expect(byId(panel, 'smcost-toolbar')).toBe(panel.toolbar.node);
      // The sections are the content's widgets, in this order.
      const content = byId(panel, 'smcost-content');
      expect(content).toBe(panel.content.node);
      expect(panel.widgets.map(widget => widget.node.dataset.testid)).toEqual(
        childIds(content)
      );
      expect(childIds(content)).toEqual([
        'smcost-cost-status',
        'smcost-picture',
        'smcost-budget',
        'smcost-savings',
        'smcost-environment',
        'smcost-idle',
        'smcost-resources'
      ]);
      expect(text(panel, 'smcost-savings-total')).toBe(
        'You could save $168/month'
      );
      expect(
        panel.node.querySelectorAll('[data-testid="smcost-suggestion"]')
      ).toHaveLength(2);
      // The bar splits the same total.
      const bar = byId(panel, 'smcost-burn-bar');
      expect(bar.getAttribute('aria-label')).toBe(
        'Burn rate $5.48/h: this space $1.43/h, training $3.83/h, endpoints $0.23/h.'
      );
      expect(
        Array.from(
          panel.node.querySelectorAll('[data-testid="smcost-burn-item"]')
        ).map(item => item.textContent)
      ).toEqual([
        'This space $1.43/h',
        'Training $3.83/h',
        'Endpoints $0.23/h'
      ]);
    });

    it('draws the session cost as it is polled', async () => {
      const server = new FakeServer({
        cost: [
          cost({
            generated_at: '2026-11-26T16:20:00+00:00',
            session_usd: 2.86
          }),
          cost({ generated_at: '2026-11-26T16:50:00+00:00', session_usd: 3.58 })
        ]
      });
      makeFull(server);
      await model.update();
      const sparkline = byId(panel, 'smcost-sparkline');
      // The start (14:20, $0) and the first answer.
      expect(sparkline.querySelector('polyline')!.getAttribute('points')).toBe(
        '0,23 100,1'
      );
      await model.update();
      expect(sparkline.querySelector('polyline')!.getAttribute('points')).toBe(
        '0,23 80,5.42 100,1'
      );
      expect(isShown(panel, 'smcost-sparkline')).toBe(true);
    });

    it('brings the savings into view and focuses them', async () => {
      const server = new FakeServer({ suggestions: [suggestions()] });
      makeFull(server);
      await savings.update();
      Widget.attach(panel, document.body);
      panel.showSavings();
      expect(document.activeElement).toBe(byId(panel, 'smcost-savings-total'));
    });

    it('refreshes the suggestions too from its button', async () => {
      const server = new FakeServer({
        cost: [cost()],
        resources: [resources()],
        suggestions: [suggestions()]
      });
      makeFull(server);
      Widget.attach(panel, document.body);
      (await refreshButton(panel)).click();
      await settle(20);
      expect(server.count('suggestions')).toBe(1);
    });

    it('marks each price source once there are several', async () => {
      const server = new FakeServer({
        resources: [
          resources({
            resources: [
              resource(),
              resource({
                kind: 'processing-job',
                name: 'proc',
                usd_per_hour: 4.5,
                price: {
                  known: true,
                  usd_per_hour: 4.5,
                  source: 'snapshot',
                  as_of: '2025-06-16',
                  detail: 'Bundled snapshot, 2025-06-16'
                }
              })
            ],
            total_usd_per_hour: 8.325
          })
        ]
      });
      makeFull(server);
      await model.updateResources();
      const footnote = byId(panel, 'smcost-price-footnote');
      expect(footnote.textContent).toBe(
        'Prices: ¹ bundled AWS price list, 2025-06-16; ² AWS Price List API, 2026-11-26.'
      );
      expect(footnote.title).toBe(
        '¹ Bundled snapshot, 2025-06-16\n² AWS Price List API, us-east-1, 2026-11-26'
      );
      const marks = rows(panel).map(
        row =>
          row.querySelector<HTMLElement>(
            '[data-testid="smcost-resource-rate"]'
          )!.dataset.sourceMark
      );
      expect(marks).toEqual(['¹', '²']);
      // Processing costs more: its group comes first.
      expect(
        Array.from(
          panel.node.querySelectorAll<HTMLElement>(
            '[data-testid="smcost-resource-group"]'
          )
        ).map(group => group.dataset.category)
      ).toEqual(['processing', 'training']);
    });
  });
});
