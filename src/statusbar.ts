import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { formatStatus, IStatusText } from './format';
import { IdleModel } from './model';

/**
 * The class of the status bar item; stable, for styles and UI tests.
 */
export const STATUS_ITEM_CLASS = 'jp-smcost-StatusItem';

/**
 * How often the countdown is redrawn. Redrawing makes no request.
 */
const TICK_MS = 1000;

/**
 * The status bar item: `idle 12 min · stops in 48 min`.
 *
 * Its `data-state` attribute is the displayed state (`active`, `warning`,
 * `error`, `unreachable`, ...); `jp-mod-warning` and `jp-mod-error` style the
 * states that need the user.
 */
export class IdleStatusItem extends Widget {
  /**
   * Construct the item.
   */
  constructor(options: IdleStatusItem.IOptions) {
    super();
    this._model = options.model;
    this._onActivate = options.onActivate;
    this.addClass(STATUS_ITEM_CLASS);
    this.addClass('jp-mod-highlighted');
    this._label = document.createElement('span');
    this._label.className = 'jp-StatusBar-TextItem jp-smcost-StatusItem-label';
    this.node.appendChild(this._label);
    // A button for keyboards and screen readers, not only for the mouse.
    this.node.setAttribute('role', 'button');
    this.node.tabIndex = 0;
    this._model.changed.connect(this.render, this);
    this.render();
  }

  /**
   * What the item shows now.
   */
  get current(): IStatusText {
    return formatStatus(this._model.view(), this._model.error);
  }

  /**
   * Redraw the item, touching the DOM only when something changed.
   */
  render(): void {
    const { text, title, state } = this.current;
    if (this._label.textContent !== text) {
      this._label.textContent = text;
    }
    if (this.node.title !== title) {
      this.node.title = title;
    }
    if (this.node.dataset.state !== state) {
      this.node.dataset.state = state;
      this.toggleClass('jp-mod-warning', state === 'warning');
      this.toggleClass(
        'jp-mod-error',
        state === 'error' || state === 'unreachable'
      );
    }
  }

  /**
   * Handle the DOM events of the item.
   */
  handleEvent(event: Event): void {
    if (event.type === 'click') {
      this._onActivate();
    } else if (event.type === 'keydown') {
      const key = (event as KeyboardEvent).key;
      if (key === 'Enter' || key === ' ') {
        event.preventDefault();
        this._onActivate();
      }
    }
  }

  /**
   * Dispose of the item.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._stopTicking();
    this._model.changed.disconnect(this.render, this);
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.node.addEventListener('click', this);
    this.node.addEventListener('keydown', this);
    this._stopTicking();
    this._timer = window.setInterval(() => this.render(), TICK_MS);
    this.render();
  }

  protected onBeforeDetach(msg: Message): void {
    this.node.removeEventListener('click', this);
    this.node.removeEventListener('keydown', this);
    this._stopTicking();
    super.onBeforeDetach(msg);
  }

  private _stopTicking(): void {
    if (this._timer !== null) {
      window.clearInterval(this._timer);
      this._timer = null;
    }
  }

  private _label: HTMLSpanElement;
  private _model: IdleModel;
  private _onActivate: () => void;
  private _timer: number | null = null;
}

/**
 * A namespace for `IdleStatusItem` statics.
 */
export namespace IdleStatusItem {
  /**
   * The options to construct an `IdleStatusItem`.
   */
  export interface IOptions {
    /** The idle status. */
    model: IdleModel;
    /** Called on click, Enter or Space. */
    onActivate: () => void;
  }
}
