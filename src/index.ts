import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';

import { Heartbeat } from './heartbeat';
// Needed at once: the model polls and the item shows from the start.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { IdleModel } from './model';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { IdleStatusItem } from './statusbar';

/**
 * The plugin id, also the id of its settings.
 */
export const PLUGIN_ID = 'jupyter-smcost:plugin';

/**
 * The commands of the extension.
 */
export namespace CommandIDs {
  /** Show the idle-shutdown details. */
  export const showIdle = 'jupyter-smcost:show-idle';
  /** Restart the idle clock. */
  export const keepRunning = 'jupyter-smcost:keep-running';
}

/**
 * Idle shutdown: the status bar countdown, the activity heartbeat, and the
 * user's timeout sent to the server.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Shows when an idle SageMaker app will be stopped, and reports real activity in JupyterLab.',
  autoStart: true,
  // Both optional: the heartbeat must run in any JupyterLab-based frontend.
  optional: [IStatusBar, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    statusBar: IStatusBar | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const serverSettings = app.serviceManager.serverSettings;
    const model = new IdleModel({ serverSettings });

    // The model, the heartbeat and the settings sync live as long as the page.
    new Heartbeat({
      send: source => model.reportActivity(source),
      currentTitle: () => app.shell.currentWidget?.title.label ?? null
    });

    const openSettings = () => {
      void app.commands.execute(Private.SETTINGS_COMMAND, {
        query: Private.SETTINGS_QUERY
      });
    };

    app.commands.addCommand(CommandIDs.showIdle, {
      label: 'Idle Shutdown Details',
      describedBy: Private.NO_ARGS,
      execute: async () => {
        // Loaded on first use: the dialog is not needed to start.
        const { showIdleDialog } = await import('./dialog');
        await showIdleDialog({
          model,
          // Asked at each click: the Settings Editor may be disabled, or
          // activated after this plugin.
          openSettings: app.commands.hasCommand(Private.SETTINGS_COMMAND)
            ? openSettings
            : undefined
        });
      }
    });
    app.commands.addCommand(CommandIDs.keepRunning, {
      label: 'Keep This App Running',
      describedBy: Private.NO_ARGS,
      execute: () => model.keepRunning()
    });

    if (statusBar) {
      const item = new IdleStatusItem({
        model,
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
      Promise.all([settingRegistry.load(PLUGIN_ID), import('./settings')])
        .then(([settings, { SettingsSync }]) => {
          // eslint-disable-next-line jupyter/require-disposable-ownership
          return new SettingsSync({ settings, serverSettings }).start();
        })
        .catch(reason => {
          console.error('jupyter-smcost: cannot load the settings', reason);
        });
    }
  }
};

namespace Private {
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

  /**
   * Filters the Settings Editor down to this plugin (it matches titles).
   */
  export const SETTINGS_QUERY = 'SageMaker idle shutdown';
}

export default plugin;
