import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator } from '@jupyterlab/translation';

import { IServerConfig, jsonInit, requestAPI } from './api';
// The meter polls and shows from the start; the panel's tab is in the
// sidebar from the start.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { CostMeter } from './cost/meter';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { notifyBudget } from './cost/budget';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { SessionCostHistory } from './cost/history';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { CostModel } from './cost/model';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { COST_PANEL_ID, costIcon, CostPanel } from './cost/panel';
import { parseIdleEvent } from './events';
import { loadTrans } from './i18n';
import { Heartbeat, heartbeatInterval } from './idle/heartbeat';
// Asked once at start: the notice of the last shutdown.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { showHistoryNotice } from './idle/history';
// Follows the status from the start: the fleet check's planned stop.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { followFleetCheck } from './idle/fleet';
// Needed at once: the model polls, the item shows from the start, and the
// warning and the save requests may come at any time.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { IdleModel } from './idle/model';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { SaveResponder } from './idle/saving';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { IdleStatusItem } from './idle/statusbar';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { IdleNotifier } from './idle/warning';
// The status bar item and the warning read the schedule from the start.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { confirmStopNow, putSchedule, ScheduleModel } from './idle/schedule';
// The badge counts the suggestions from the start.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { SuggestionsModel } from './suggestions/model';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { SuggestionsView } from './suggestions/view';
import {
  ICostUI,
  IIdleModel,
  ISavingsSection,
  ISavingsSummary
} from './tokens';

export * from './tokens';

/**
 * The idle plugin's id, also the id of its settings.
 */
export const PLUGIN_ID = 'jupyter-smcost:plugin';

/**
 * The cost plugin's id.
 */
export const COST_PLUGIN_ID = 'jupyter-smcost:cost';

/**
 * The savings suggestions plugin's id.
 */
export const SUGGESTIONS_PLUGIN_ID = 'jupyter-smcost:suggestions';

/**
 * The commands of the extension.
 */
export namespace CommandIDs {
  /** Show the idle-shutdown details. */
  export const showIdle = 'jupyter-smcost:show-idle';
  /** Restart the idle clock. */
  export const keepRunning = 'jupyter-smcost:keep-running';
  /** Show the Cost panel. */
  export const openCostPanel = 'jupyter-smcost:open-cost-panel';
  /** Show the Cost panel at its savings suggestions. */
  export const showSavings = 'jupyter-smcost:show-savings';
  /** Show the idle history: every warning and shutdown ("why was I stopped"). */
  export const showHistory = 'jupyter-smcost:show-history';
}

/**
 * Idle shutdown: the status bar countdown, the activity heartbeat, the
 * warning with "Keep running", saving before a shutdown, and the user's
 * settings kept in step with the server's.
 */
const idlePlugin: JupyterFrontEndPlugin<IdleModel> = {
  id: PLUGIN_ID,
  description:
    'Shows when an idle SageMaker app will be stopped, and reports real activity in JupyterLab.',
  autoStart: true,
  provides: IIdleModel,
  // All optional: the heartbeat must run in any JupyterLab-based frontend.
  optional: [IStatusBar, ISettingRegistry, ITranslator, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    statusBar: IStatusBar | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null
  ): IdleModel => {
    const trans = loadTrans(translator);
    const serverSettings = app.serviceManager.serverSettings;
    const model = new IdleModel({ serverSettings });

    // The model, the heartbeat, the notifier, the responder and the settings
    // sync live as long as the page.
    new Heartbeat({
      send: source => model.reportActivity(source),
      currentTitle: () => app.shell.currentWidget?.title.label ?? null,
      // Short timeouts need a closer heartbeat.
      intervalMs: () =>
        heartbeatInterval(model.status?.idle.timeout_seconds ?? null)
    });

    // The server's idle events make the warning and the save requests reach
    // the tab at once; polling catches up on events missed while offline.
    app.serviceManager.events?.stream.connect((_, emission) => {
      const event = parseIdleEvent(emission);
      if (event !== null) {
        model.handleEvent(event);
      }
    });
    new IdleNotifier({
      model,
      translator,
      // "Stop now" for a due scheduled stop that waits for busy kernels.
      stopNow: async () => {
        if (await confirmStopNow(model.status?.idle ?? null, trans)) {
          await putSchedule({ stop_now: true }, serverSettings);
          await model.refresh();
        }
      }
    });
    new SaveResponder({
      model,
      widgets: () => Private.documentWidgets(app),
      ack: answer =>
        requestAPI('save-ack', jsonInit('POST', answer), serverSettings)
    });

    const openSettings = () => {
      void app.commands.execute(Private.SETTINGS_COMMAND, {
        // Filters the Settings Editor down to this plugin: it matches the
        // schema's title, which the server translates in our domain with
        // the `schema` context (`jupyter.lab.internationalization`).
        query: trans._p('schema', 'SageMaker idle shutdown')
      });
    };

    app.commands.addCommand(CommandIDs.showIdle, {
      label: trans.__('Idle Shutdown Details'),
      describedBy: Private.NO_ARGS,
      execute: async () => {
        // Loaded on first use: the dialog is not needed to start.
        const { showIdleDialog } = await import('./idle/dialog');
        await showIdleDialog({
          model,
          translator,
          // Asked at each click: the Settings Editor may be disabled, or
          // activated after this plugin.
          openSettings: app.commands.hasCommand(Private.SETTINGS_COMMAND)
            ? openSettings
            : undefined
        });
      }
    });
    app.commands.addCommand(CommandIDs.showHistory, {
      label: trans.__('Show Idle Shutdown History'),
      caption: trans.__('Every idle warning and shutdown of this app'),
      describedBy: Private.NO_ARGS,
      execute: async () => {
        // Loaded on first use, like the details.
        const { showHistoryDialog } = await import('./idle/historyview');
        await showHistoryDialog({ serverSettings, translator });
      }
    });
    palette?.addItem({
      command: CommandIDs.showHistory,
      category: trans.__('SageMaker')
    });
    // "Why was I stopped": once, on the first page loaded after a shutdown.
    void showHistoryNotice({
      serverSettings,
      translator,
      showHistory: () => {
        void app.commands.execute(CommandIDs.showHistory);
      }
    });

    // The admin's fleet check: once per planned stop, with Keep running.
    followFleetCheck({
      idle: model,
      notifications: Notification,
      keepRunning: () => model.keepRunning(),
      trans
    });

    app.commands.addCommand(CommandIDs.keepRunning, {
      label: trans.__('Keep This App Running'),
      describedBy: Private.NO_ARGS,
      // A deleted app cannot be kept running; the status says it was stopped.
      isEnabled: () => !model.appStopped,
      execute: () => model.keepRunning()
    });

    if (statusBar) {
      const item = new IdleStatusItem({
        model,
        translator,
        onActivate: () => {
          void app.commands.execute(CommandIDs.showIdle);
        }
      });
      statusBar.registerStatusItem('jupyter-smcost:idle', {
        item,
        align: 'left',
        rank: 100,
        // Hidden until the first answer, so it never flashes "unreachable".
        isActive: () => model.status !== null || model.error !== null,
        activeStateChanged: model.changed
      });
    }

    if (settingRegistry) {
      Private.startSettings(settingRegistry, model, translator).catch(
        reason => {
          console.error('jupyter-smcost: cannot load the settings', reason);
        }
      );
    }
    return model;
  }
};

/**
 * Cost: the status bar meter and the Cost panel in the left sidebar with its
 * command; with the idle plugin, the panel's idle countdown and "Keep
 * running".
 */
const costPlugin: JupyterFrontEndPlugin<ICostUI> = {
  id: COST_PLUGIN_ID,
  description:
    'Shows what this SageMaker app and your running SageMaker resources cost.',
  autoStart: true,
  provides: ICostUI,
  optional: [
    IIdleModel,
    IStatusBar,
    ILayoutRestorer,
    ICommandPalette,
    ITranslator
  ],
  activate: (
    app: JupyterFrontEnd,
    idle: IdleModel | null,
    statusBar: IStatusBar | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): ICostUI => {
    const trans = loadTrans(translator);
    // Like the idle model, they live as long as the page.
    const model = new CostModel({
      serverSettings: app.serviceManager.serverSettings
    });
    // Samples the session cost at each answer, even while the panel is closed.
    const history = new SessionCostHistory({ model });
    const panel = new CostPanel({
      model,
      translator,
      idle,
      keepRunning: idle ? () => idle.keepRunning() : null,
      // The working hours: GET schedule when the status' schedule changes.
      schedule: idle ? new ScheduleModel({ idle }) : null,
      // The idle plugin's command; none without it.
      showHistory: app.commands.hasCommand(CommandIDs.showHistory)
        ? () => {
            void app.commands.execute(CommandIDs.showHistory);
          }
        : null,
      history
    });
    app.shell.add(panel, 'left', { rank: 900, type: 'SageMaker Cost' });
    restorer?.add(panel, COST_PANEL_ID);

    app.commands.addCommand(CommandIDs.openCostPanel, {
      label: trans.__('Show SageMaker cost'),
      caption: trans.__(
        'What this app and your running SageMaker resources cost'
      ),
      icon: costIcon,
      describedBy: Private.NO_ARGS,
      execute: () => {
        app.shell.activateById(COST_PANEL_ID);
      }
    });
    palette?.addItem({
      command: CommandIDs.openCostPanel,
      category: trans.__('SageMaker')
    });

    let meter: CostMeter | null = null;
    if (statusBar) {
      meter = new CostMeter({
        model,
        translator,
        onActivate: () => {
          void app.commands.execute(CommandIDs.openCostPanel);
        }
      });
      statusBar.registerStatusItem('jupyter-smcost:cost-meter', {
        item: meter,
        align: 'left',
        // Right after the idle countdown.
        rank: 110,
        // Hidden before the first answer and in local mode with no
        // instance type, unless there are suggestions.
        isActive: () => meter!.isActive,
        activeStateChanged: meter.activeStateChanged
      });
    }

    // 80% and 100% of the monthly budget: one notification each per month,
    // remembered in this browser across reloads.
    let memory: Storage | null = null;
    try {
      memory = window.localStorage;
    } catch {
      memory = null;
    }
    const onBudget = () => {
      notifyBudget(model.budget, memory, Notification, trans);
    };
    model.changed.connect(onBudget);

    return {
      panelId: COST_PANEL_ID,
      addSavings: (summary: ISavingsSummary, section: ISavingsSection) => {
        panel.setSavings(section);
        if (meter) {
          meter.suggestions = summary;
        }
      },
      showSavings: () => panel.showSavings()
    };
  }
};

/**
 * Savings: the suggestions with their actions in the Cost panel, their
 * count on the cost meter, and the command that shows them.
 */
const suggestionsPlugin: JupyterFrontEndPlugin<void> = {
  id: SUGGESTIONS_PLUGIN_ID,
  description:
    'Suggests how to spend less on SageMaker, with the savings and actions.',
  autoStart: true,
  requires: [ICostUI],
  optional: [ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    costUI: ICostUI,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = loadTrans(translator);
    // Lives as long as the page: the badge counts the suggestions.
    const model = new SuggestionsModel({
      serverSettings: app.serviceManager.serverSettings
    });
    costUI.addSavings(model, new SuggestionsView({ model, translator }));

    app.commands.addCommand(CommandIDs.showSavings, {
      label: trans.__('Show SageMaker savings'),
      caption: trans.__(
        'Suggestions to spend less on SageMaker, with their savings'
      ),
      icon: costIcon,
      describedBy: Private.NO_ARGS,
      execute: () => {
        app.shell.activateById(costUI.panelId);
        // Once the sidebar has shown the panel (activation is a message).
        requestAnimationFrame(() => costUI.showSavings());
      }
    });
    palette?.addItem({
      command: CommandIDs.showSavings,
      category: trans.__('SageMaker')
    });
  }
};

namespace Private {
  /**
   * How long the settings wait for the server's config before they show
   * without it.
   */
  const CONFIG_WAIT_MS = 5000;

  /**
   * The shell areas that may hold documents.
   */
  const DOCUMENT_AREAS = ['main', 'down', 'left', 'right'];

  /**
   * The widgets of every shell area that may hold a document.
   */
  export function* documentWidgets(app: JupyterFrontEnd): Iterable<unknown> {
    for (const area of DOCUMENT_AREAS) {
      let widgets: Iterable<unknown>;
      try {
        widgets = app.shell.widgets(area);
      } catch {
        // Another shell, without this area.
        continue;
      }
      yield* widgets;
    }
  }

  /**
   * Load the settings through a transform that follows the server's config
   * (bounds, read-only, effective values), then keep them in step with the
   * server both ways.
   */
  export async function startSettings(
    settingRegistry: ISettingRegistry,
    model: IdleModel,
    translator: ITranslator | null
  ): Promise<void> {
    const serverSettings = model.serverSettings;
    const { SchemaTransform, SettingsSync } = await import('./idle/settings');
    const transform = new SchemaTransform({ translator });
    // The schema needs the config before the Settings Editor shows it; the
    // schema declares `jupyter.lab.transform`, so nobody loads it before.
    const config = await Promise.race([
      requestAPI<IServerConfig>('config', {}, serverSettings),
      new Promise<null>(resolve =>
        setTimeout(() => resolve(null), CONFIG_WAIT_MS)
      )
    ]).catch(() => null);
    transform.setConfig(config);
    settingRegistry.transform(PLUGIN_ID, { fetch: transform.fetch });
    const settings = await settingRegistry.load(PLUGIN_ID);
    // eslint-disable-next-line jupyter/require-disposable-ownership
    const sync = new SettingsSync({
      settings,
      serverSettings,
      registry: settingRegistry,
      transform,
      translator
    });
    await sync.start();
    const follow = (version: string) => {
      void sync.serverChanged(version);
    };
    model.configVersionChanged.connect((_, version) => follow(version));
    if (model.configVersion !== null) {
      follow(model.configVersion);
    }
  }

  /**
   * The argument schema of commands that take none.
   */
  export const NO_ARGS = {
    args: { type: 'object' as const, properties: {} }
  };

  /**
   * The Settings Editor's command.
   */
  export const SETTINGS_COMMAND = 'settingeditor:open';
}

/**
 * The three plugins: an admin may disable the cost UI (`jupyter-smcost:cost`,
 * and with it the savings) or the savings alone (`jupyter-smcost:suggestions`)
 * with `disabledExtensions`; the idle shutdown needs neither.
 */
const plugins: JupyterFrontEndPlugin<unknown>[] = [
  idlePlugin,
  costPlugin,
  suggestionsPlugin
];

export default plugins;
