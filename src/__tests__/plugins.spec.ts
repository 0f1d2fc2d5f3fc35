import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IStatusBar } from '@jupyterlab/statusbar';
import { CommandRegistry } from '@lumino/commands';
import { PluginRegistry } from '@lumino/coreutils';
import { DisposableDelegate } from '@lumino/disposable';
import { Widget } from '@lumino/widgets';

import plugins, {
  COST_PLUGIN_ID,
  CommandIDs,
  PLUGIN_ID,
  SUGGESTIONS_PLUGIN_ID
} from '../index';
import { cost, FakeServer, settle } from './costfixtures';
import { status } from './fixtures';
import { suggestions } from './suggestionsfixtures';

/**
 * Wait until a condition holds (the first polls answer at their own pace on
 * a loaded machine); false after `ms`.
 */
async function until(condition: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) {
    await settle(10);
  }
  return condition();
}

/**
 * A page with the extension's plugins, less the disabled ones (what
 * `disabledExtensions` does), on a fake server, with a status bar that
 * records its items.
 */
class Page {
  constructor(disabled: string[] = []) {
    this.server = new FakeServer({
      status: [status()],
      cost: [cost()],
      suggestions: [suggestions()]
    });
    const app = {
      commands: this.commands,
      shell: {
        add: (widget: Widget, area: string) => {
          this.widgets.push({ widget, area });
        },
        activateById: () => undefined,
        widgets: () => [][Symbol.iterator](),
        currentWidget: null
      },
      serviceManager: { serverSettings: this.server.settings }
    } as unknown as JupyterFrontEnd;
    this.registry.application = app;
    const statusBar: JupyterFrontEndPlugin<IStatusBar> = {
      id: 'test:status-bar',
      provides: IStatusBar,
      activate: () => ({
        registerStatusItem: (id: string) => {
          this.statusItems.push(id);
          return new DisposableDelegate(() => undefined);
        }
      })
    };
    this.registry.registerPlugin(statusBar);
    for (const plugin of plugins) {
      if (!disabled.includes(plugin.id)) {
        this.registry.registerPlugin(plugin);
      }
    }
  }

  commands = new CommandRegistry();
  registry = new PluginRegistry<JupyterFrontEnd>();
  server: FakeServer;
  statusItems: string[] = [];
  widgets: Array<{ widget: Widget; area: string }> = [];

  /**
   * Activate the plugins as JupyterLab does at start-up (a plugin whose
   * required token is missing fails alone), then let the first polls answer.
   */
  async start(): Promise<void> {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
    await this.registry.activatePlugins('startUp');
    errors.mockRestore();
    await settle(50);
  }

  /**
   * The text of the Cost panel's element of a test id once it is `text`
   * (or what it is after waiting).
   */
  async panelText(testid: string, text: string): Promise<string | null> {
    await until(() => this.inPanel(testid)?.textContent === text);
    return this.inPanel(testid)?.textContent ?? null;
  }

  /**
   * The Cost panel's element of a test id, `null` when absent.
   */
  inPanel(testid: string): HTMLElement | null {
    const panel = this.widgets.find(
      ({ widget }) => widget.id === 'jupyter-smcost:cost-panel'
    );
    return (
      panel?.widget.node.querySelector<HTMLElement>(
        `[data-testid="${testid}"]`
      ) ?? null
    );
  }

  /**
   * Whether an end point was asked for (waiting for it a while).
   */
  requested(endPoint: string): Promise<boolean> {
    return until(() => this.server.count(endPoint) > 0);
  }

  activated(id: string): boolean {
    return this.registry.isPluginActivated(id);
  }

  dispose(): void {
    for (const { widget } of this.widgets) {
      widget.dispose();
    }
  }
}

describe('the plugins', () => {
  let page: Page;

  afterEach(() => {
    page.dispose();
  });

  it('are three, with the idle settings on the first', () => {
    page = new Page();
    expect(plugins.map(plugin => plugin.id)).toEqual([
      'jupyter-smcost:plugin',
      'jupyter-smcost:cost',
      'jupyter-smcost:suggestions'
    ]);
    expect(PLUGIN_ID).toBe('jupyter-smcost:plugin');
  });

  it('all together: idle, cost, and the savings in the Cost panel', async () => {
    page = new Page();
    await page.start();
    expect(page.activated(PLUGIN_ID)).toBe(true);
    expect(page.activated(COST_PLUGIN_ID)).toBe(true);
    expect(page.activated(SUGGESTIONS_PLUGIN_ID)).toBe(true);
    expect(page.statusItems).toEqual([
      'jupyter-smcost:idle',
      'jupyter-smcost:cost-meter'
    ]);
    for (const id of Object.values(CommandIDs)) {
      expect(page.commands.hasCommand(id)).toBe(true);
    }
    expect(page.widgets.map(({ area }) => area)).toEqual(['left']);
    expect(page.inPanel('smcost-savings')).not.toBeNull();
    expect(
      await page.panelText('smcost-savings-total', 'You could save $168/month')
    ).toBe('You could save $168/month');
    expect(page.inPanel('smcost-keep-running')).not.toBeNull();
    expect(await page.requested('status')).toBe(true);
    expect(await page.requested('cost')).toBe(true);
    expect(await page.requested('suggestions')).toBe(true);
    // The idle history once, at start, for the notice of the last shutdown
    // (none here: the fake server answers 404, and the page goes on).
    expect(await page.requested('history')).toBe(true);
    await settle(50);
    expect(page.server.count('history')).toBe(1);
    expect(page.inPanel('smcost-idle-history')).not.toBeNull();
  });

  it('without the savings: the cost and the idle shutdown still work', async () => {
    page = new Page([SUGGESTIONS_PLUGIN_ID]);
    await page.start();
    expect(page.activated(PLUGIN_ID)).toBe(true);
    expect(page.activated(COST_PLUGIN_ID)).toBe(true);
    expect(page.statusItems).toEqual([
      'jupyter-smcost:idle',
      'jupyter-smcost:cost-meter'
    ]);
    expect(page.commands.hasCommand(CommandIDs.openCostPanel)).toBe(true);
    expect(page.commands.hasCommand(CommandIDs.showSavings)).toBe(false);
    expect(page.inPanel('smcost-savings')).toBeNull();
    expect(await page.panelText('smcost-rate', '$1.43/h')).toBe('$1.43/h');
    // Nobody asks for the suggestions.
    expect(page.server.count('suggestions')).toBe(0);
    expect(await page.requested('status')).toBe(true);
  });

  it('without the cost: no savings either, and the idle shutdown works', async () => {
    page = new Page([COST_PLUGIN_ID]);
    await page.start();
    expect(page.activated(PLUGIN_ID)).toBe(true);
    // It requires the Cost panel to show in.
    expect(page.activated(SUGGESTIONS_PLUGIN_ID)).toBe(false);
    expect(page.statusItems).toEqual(['jupyter-smcost:idle']);
    expect(page.commands.hasCommand(CommandIDs.showIdle)).toBe(true);
    expect(page.commands.hasCommand(CommandIDs.keepRunning)).toBe(true);
    expect(page.commands.hasCommand(CommandIDs.openCostPanel)).toBe(false);
    expect(page.commands.hasCommand(CommandIDs.showSavings)).toBe(false);
    expect(page.widgets).toHaveLength(0);
    expect(await page.requested('status')).toBe(true);
    expect(page.server.count('cost')).toBe(0);
    expect(page.server.count('suggestions')).toBe(0);
  });

  it('without the cost and the savings: the idle shutdown works', async () => {
    page = new Page([COST_PLUGIN_ID, SUGGESTIONS_PLUGIN_ID]);
    await page.start();
    expect(page.activated(PLUGIN_ID)).toBe(true);
    expect(page.statusItems).toEqual(['jupyter-smcost:idle']);
    expect(page.commands.hasCommand(CommandIDs.showIdle)).toBe(true);
    expect(await page.requested('status')).toBe(true);
    expect(page.server.count('cost')).toBe(0);
  });

  it('without the idle shutdown: the cost and the savings work', async () => {
    page = new Page([PLUGIN_ID]);
    await page.start();
    expect(page.activated(COST_PLUGIN_ID)).toBe(true);
    expect(page.activated(SUGGESTIONS_PLUGIN_ID)).toBe(true);
    expect(page.statusItems).toEqual(['jupyter-smcost:cost-meter']);
    expect(page.commands.hasCommand(CommandIDs.showIdle)).toBe(false);
    expect(page.commands.hasCommand(CommandIDs.openCostPanel)).toBe(true);
    expect(page.commands.hasCommand(CommandIDs.showSavings)).toBe(true);
    expect(await page.panelText('smcost-rate', '$1.43/h')).toBe('$1.43/h');
    expect(page.inPanel('smcost-savings')).not.toBeNull();
    // No countdown and no "Keep running" without the idle status.
    expect(page.inPanel('smcost-idle')!.hidden).toBe(true);
    expect(page.server.count('status')).toBe(0);
  });
});
