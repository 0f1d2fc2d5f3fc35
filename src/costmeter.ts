import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { formatMeter, IMeterText } from './costformat';
import { CostModel } from './costmodel';

/**
 * The class of the cost meter; stable, for styles and UI tests.
 */
export const COST_METER_CLASS = 'jp-smcost-CostMeter';

/**
 * How often the session cost is redrawn. Redrawing makes no request.
 */
const TICK_MS = 1000;

/**
 * The status bar's cost meter: `$0.74/h · $3.12 this session`, the session
 * cost ticking between polls; `price unknown` when the price is not known.
 *
 * Its `data-state` attribute is `known`, `pending`, `unknown` or `hidden`
 * (local mode without an instance type: the status bar does not show it).
 * The tooltip says where the price came from. Click, Enter or Space open the
 * Cost panel.
 */
export class CostMeter extends Widget {
  /**
   * Construct the meter.
   */
  constructor(options: CostMeter.IOptions) {
    super();
    this._model = options.model;
    this._onActivate = options.onActivate;
    this.addClass(COST_METER_CLASS);
    this.node.dataset.testid = 'smcost-cost-meter';
    this._label = document.createElement('span');
    this._label.className = 'jp-StatusBar-TextItem jp-smcost-CostMeter-label';
    this.node.appendChild(this._label);
    // A button for keyboards and screen readers, not only for the mouse.
    this.node.setAttribute('role', 'button');
    this.node.tabIndex = 0;
    this._model.changed.connect(this.render, this);
    this.render();
  }

  /**
   * What the meter shows now.
   */
  get current(): IMeterText {
    const model = this._model;
    return formatMeter(model.cost, model.sessionUsd(), model.costError);
  }

  /**
   * Whether the meter has something to show (for the status bar's
   * `isActive`).
   */
  get isActive(): boolean {
    return this.current.state !== 'hidden';
  }

  /**
   * Redraw the meter, touching the DOM only when something changed.
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
    }
    this.toggleClass('jp-mod-stale', this._model.costError !== null);
  }

  /**
   * Handle the DOM events of the meter.
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
   * Dispose of the meter.
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
  private _model: CostModel;
  private _onActivate: () => void;
  private _timer: number | null = null;
}

/**
 * A namespace for `CostMeter` statics.
 */
export namespace CostMeter {
  /**
   * The options to construct a `CostMeter`.
   */
  export interface IOptions {
    /** The cost. */
    model: CostModel;
    /** Called on click, Enter or Space: open the Cost panel. */
    onActivate: () => void;
  }
}
