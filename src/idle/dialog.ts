import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { IIdleView } from '../countdown';
import {
  describeIdleAction,
  describeLastActivity,
  describeLimit,
  formatDuration,
  formatTimeOfDay,
  isStopped
} from '../format';
import { IdleModel } from './model';

/**
 * The label of the button that restarts the idle clock.
 */
export const KEEP_RUNNING_LABEL = 'Keep running';

/**
 * Show the idle-shutdown details with "Keep running" and "Settings".
 *
 * @param options - The model and what "Settings" does.
 * @returns A promise that resolves when the dialog is closed and the chosen
 *   action is done.
 */
export async function showIdleDialog(
  options: IIdleDialogOptions
): Promise<void> {
  const { model, openSettings } = options;
  const body = new IdleDetails(model);
  const buttons = [Dialog.cancelButton({ label: 'Close' })];
  if (openSettings) {
    buttons.push(
      // `accept` defaults to true: it must not count as "Keep running".
      Dialog.createButton({
        label: 'Settings',
        accept: false,
        actions: ['settings']
      })
    );
  }
  // A stopped app no longer exists: nothing to keep running (a dry run's does).
  if (!isStopped(model.status?.idle)) {
    buttons.push(Dialog.okButton({ label: KEEP_RUNNING_LABEL }));
  }
  const result = await showDialog({
    title: 'Idle shutdown',
    body,
    buttons,
    defaultButton: buttons.length - 1
  });
  if (result.button.accept) {
    try {
      await model.keepRunning();
    } catch (reason) {
      Notification.error(
        `Could not reach the server to keep the app running: ${
          reason instanceof Error ? reason.message : String(reason)
        }`
      );
    }
  } else if (result.button.actions.includes('settings') && openSettings) {
    openSettings();
  }
}

/**
 * The options of `showIdleDialog`.
 */
export interface IIdleDialogOptions {
  /** The idle status. */
  model: IdleModel;
  /** Open this plugin's settings; no "Settings" button without it. */
  openSettings?: () => void;
}

/**
 * The dialog's body: the countdown, ticking while the dialog is open.
 */
class IdleDetails extends Widget {
  constructor(private readonly _model: IdleModel) {
    super();
    this.addClass('jp-smcost-IdleDetails');
    this._model.changed.connect(this._render, this);
    this._render();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._stop();
    this._model.changed.disconnect(this._render, this);
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._stop();
    this._timer = window.setInterval(() => this._render(), 1000);
  }

  protected onBeforeDetach(msg: Message): void {
    this._stop();
    super.onBeforeDetach(msg);
  }

  private _stop(): void {
    if (this._timer !== null) {
      window.clearInterval(this._timer);
      this._timer = null;
    }
  }

  private _render(): void {
    const lines = Private.describe(this._model.view(), this._model);
    // Rebuild only when the text changed, so a selection is not lost each second.
    const text = lines.join('\n');
    if (text === this._text) {
      return;
    }
    this._text = text;
    this.node.replaceChildren(
      ...lines.map(line => {
        const p = document.createElement('p');
        p.textContent = line;
        return p;
      })
    );
  }

  private _text = '';
  private _timer: number | null = null;
}

namespace Private {
  /**
   * The lines of the dialog's body.
   */
  export function describe(view: IIdleView | null, model: IdleModel): string[] {
    if (view === null || model.error !== null) {
      return [
        `The server cannot be reached: ${model.error ?? 'no answer yet'}.`,
        'The countdown is unknown until the server answers.'
      ];
    }
    const { idle } = view;
    const lines: string[] = [];
    switch (view.state) {
      case 'disabled':
        lines.push('Idle shutdown is disabled (timeout 0).');
        break;
      case 'active':
      case 'warning':
        lines.push(
          `Idle for ${formatDuration(view.idleSeconds)}. The timeout is in ` +
            `${formatDuration(view.secondsLeft ?? 0, 'ceil')}, then: ` +
            `${describeIdleAction(idle)}.`
        );
        break;
      case 'shutting-down':
        lines.push(`Shutting down now: ${describeIdleAction(idle)}.`);
        break;
      case 'shut-down': {
        const at = formatTimeOfDay(idle.stopped_at);
        const when = at === null ? '' : ` at ${at}`;
        lines.push(
          isStopped(idle)
            ? `The app was stopped${when}; its cost stopped then.`
            : at === null
              ? 'The timeout passed; dry run, so it was only logged.'
              : `Dry run: would have stopped${when}; it was only logged.`
        );
        break;
      }
      case 'error':
        lines.push(`The shutdown failed and will be retried: ${idle.error}`);
        break;
    }
    if (idle.error && view.state !== 'error') {
      lines.push(`Note: ${idle.error}`);
    }
    lines.push(describeLastActivity(view));
    lines.push(
      `Timeout: ${formatDuration(idle.timeout_seconds)}, with a warning ` +
        `${formatDuration(idle.warning_seconds)} before.`
    );
    const limit = describeLimit(idle);
    if (limit) {
      lines.push(limit);
    }
    return lines;
  }
}
