import { formatMeter, IMeterText } from './format';
import { CostModel } from './model';
import { TickingStatusButton } from '../statusbutton';

/**
 * The class of the cost meter; stable, for styles and UI tests.
 */
export const COST_METER_CLASS = 'jp-smcost-CostMeter';

/**
 * How often the session cost is redrawn. Redrawing makes no request.
 */
/**
 * The status bar's cost meter: `$0.74/h · $3.12 this session`, the session
 * cost ticking between polls; `price unknown` when the price is not known.
 *
 * Its `data-state` attribute is `known`, `pending`, `unknown` or `hidden`
 * (local mode without an instance type: the status bar does not show it).
 * The tooltip says where the price came from. Click, Enter or Space open the
 * Cost panel.
 */
export class CostMeter extends TickingStatusButton {
  constructor(options: CostMeter.IOptions) {
    super({
      changed: options.model.changed,
      onActivate: options.onActivate,
      labelClass: 'jp-smcost-CostMeter-label'
    });
    this._model = options.model;
    this.addClass(COST_METER_CLASS);
    this.node.dataset.testid = 'smcost-cost-meter';
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
   * Whether the status bar shows the meter.
   */
  get isActive(): boolean {
    return this.current.state !== 'hidden';
  }

  render(): void {
    const { text, title, state } = this.current;
    this.display(text, title, state);
    this.toggleClass('jp-mod-stale', this._model.costError !== null);
  }

  private _model: CostModel;
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
