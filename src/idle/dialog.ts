import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
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
import { loadTrans } from '../i18n';
import { IdleModel } from './model';

/**
 * The label of the button that restarts the idle clock, in English.
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
  const trans = loadTrans(options.translator);
  const body = new IdleDetails(model, trans);
  const buttons = [Dialog.cancelButton({ label: trans.__('Close') })];
  if (openSettings) {
    buttons.push(
      // `accept` defaults to true: it must not count as "Keep running".
      Dialog.createButton({
        label: trans.__('Settings'),
        accept: false,
        actions: ['settings']
      })
    );
  }
  // A stopped app no longer exists: nothing to keep running (a dry run's does).
  if (!isStopped(model.status?.idle)) {
    buttons.push(Dialog.okButton({ label: trans.__('Keep running') }));
  }
  const result = await showDialog({
    title: trans.__('Idle shutdown'),
    body,
    buttons,
    defaultButton: buttons.length - 1
  });
  if (result.button.accept) {
    try {
      await model.keepRunning();
    } catch (reason) {
      Notification.error(
        trans.__(
          'Could not reach the server to keep the app running: %1',
          reason instanceof Error ? reason.message : String(reason)
        )
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
  /** The strings' translations; English without it. */
  translator?: ITranslator | null;
}

/**
 * The dialog's body: the countdown, ticking while the dialog is open.
 */
class IdleDetails extends Widget {
  constructor(
    private readonly _model: IdleModel,
    private readonly _trans: TranslationBundle
  ) {
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
    const lines = Private.describe(
      this._model.view(),
      this._model,
      this._trans
    );
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
  export function describe(
    view: IIdleView | null,
    model: IdleModel,
    trans: TranslationBundle
  ): string[] {
    if (view === null || model.error !== null) {
      return [
        trans.__(
          'The server cannot be reached: %1.',
          model.error ?? trans.__('no answer yet')
        ),
        trans.__('The countdown is unknown until the server answers.')
      ];
    }
    const { idle } = view;
    const action = describeIdleAction(idle, trans);
    const duration = (seconds: number, rounding: 'floor' | 'ceil' = 'floor') =>
      formatDuration(seconds, rounding, trans);
    const lines: string[] = [];
    switch (view.state) {
      case 'disabled':
        lines.push(trans.__('Idle shutdown is disabled (timeout 0).'));
        break;
      case 'active':
      case 'warning':
        lines.push(
          trans.__(
            'Idle for %1. The timeout is in %2, then: %3.',
            duration(view.idleSeconds),
            duration(view.secondsLeft ?? 0, 'ceil'),
            action
          )
        );
        break;
      case 'shutting-down':
        lines.push(trans.__('Shutting down now: %1.', action));
        break;
      case 'shut-down': {
        const at = formatTimeOfDay(idle.stopped_at);
        if (isStopped(idle)) {
          lines.push(
            at === null
              ? trans.__('The app was stopped; its cost stopped then.')
              : trans.__(
                  'The app was stopped at %1; its cost stopped then.',
                  at
                )
          );
        } else {
          lines.push(
            at === null
              ? trans.__('The timeout passed; dry run, so it was only logged.')
              : trans.__(
                  'Dry run: would have stopped at %1; it was only logged.',
                  at
                )
          );
        }
        break;
      }
      case 'error':
        lines.push(
          trans.__(
            'The shutdown failed and will be retried: %1',
            idle.error ?? ''
          )
        );
        break;
    }
    if (idle.error && view.state !== 'error') {
      lines.push(trans.__('Note: %1', idle.error));
    }
    lines.push(describeLastActivity(view, trans));
    lines.push(
      trans.__(
        'Timeout: %1, with a warning %2 before.',
        duration(idle.timeout_seconds),
        duration(idle.warning_seconds)
      )
    );
    const limit = describeLimit(idle, trans);
    if (limit) {
      lines.push(limit);
    }
    return lines;
  }
}
