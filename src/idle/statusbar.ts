import { formatStatus, IStatusText } from '../format';
import { describeSchedule } from './schedule';
import { IdleModel } from './model';
import { TickingStatusButton } from '../statusbutton';

/**
 * The class of the status bar item; stable, for styles and UI tests.
 */
export const STATUS_ITEM_CLASS = 'jp-smcost-StatusItem';

/**
 * How often the countdown is redrawn. Redrawing makes no request.
 */
/**
 * The status bar item: `idle 12 min · stops in 48 min`.
 *
 * Its `data-state` attribute is the displayed state (`active`, `warning`,
 * `error`, `unreachable`, ...); `jp-mod-warning` and `jp-mod-error` style the
 * states that need the user.
 */
export class IdleStatusItem extends TickingStatusButton {
  constructor(options: IdleStatusItem.IOptions) {
    super({
      changed: options.model.changed,
      onActivate: options.onActivate,
      labelClass: 'jp-smcost-StatusItem-label',
      translator: options.translator
    });
    this._model = options.model;
    this.addClass(STATUS_ITEM_CLASS);
    this.addClass('jp-mod-highlighted');
    this.render();
  }

  /**
   * What the item shows now.
   */
  get current(): IStatusText {
    return formatStatus(this._model.view(), this._model.error, this.trans);
  }

  render(): void {
    const { title, state } = this.current;
    let { text } = this.current;
    // The admin's stop schedule, when one applies.
    const schedule = describeSchedule(this._model.status, this.trans);
    if (schedule !== null && text) {
      text = `${text} · ${schedule}`;
    }
    if (this.display(text, title, state)) {
      this.toggleClass('jp-mod-warning', state === 'warning');
      this.toggleClass(
        'jp-mod-error',
        state === 'error' || state === 'unreachable'
      );
    }
  }

  private _model: IdleModel;
}

/**
 * A namespace for `IdleStatusItem` statics.
 */
export namespace IdleStatusItem {
  /**
   * The options to construct an `IdleStatusItem`.
   */
  export interface IOptions extends Pick<
    TickingStatusButton.IOptions,
    'translator'
  > {
    /** The idle status. */
    model: IdleModel;
    /** Called on click, Enter or Space. */
    onActivate: () => void;
  }
}
