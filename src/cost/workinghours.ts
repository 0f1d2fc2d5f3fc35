/**
 * The idle section's working hours (issue 17 part 4): when the scheduled
 * stop comes, whose stop time it is and on which days, the user's own stop
 * time (when the admin allows it) and "Keep running until" today, each time
 * input with the admin's bounds beside it. The server stays the judge: a
 * refusal is shown as it says it.
 */

import { TranslationBundle } from '@jupyterlab/translation';

import { IStatus } from '../api';
import { el, setText } from '../dom';
import {
  describeSchedule,
  describeStopTime,
  keepRunningBound,
  ScheduleModel,
  scheduleOf,
  stopTimeBounds
} from '../idle/schedule';
import { errorMessage } from '../poll';

/**
 * The working hours' part of the idle section: a labelled group, hidden
 * while there is nothing to say or set.
 */
export class WorkingHours {
  constructor(options: WorkingHours.IOptions) {
    this._trans = options.trans;
    this._model = options.schedule ?? null;
    const trans = this._trans;
    const d = el;
    const headingId = Private.nextId('heading');
    this.node = d('div', {
      className: 'jp-smcost-WorkingHours',
      testid: 'smcost-working-hours',
      attrs: { role: 'group', 'aria-labelledby': headingId }
    });
    this.node.hidden = true;
    const heading = d('h4', {
      className: 'jp-smcost-WorkingHours-heading',
      text: trans.__('Working hours'),
      attrs: { id: headingId }
    });
    this._next = d('p', {
      className: 'jp-smcost-CostPanel-secondary',
      testid: 'smcost-schedule'
    });
    this._source = d('p', {
      className: 'jp-smcost-CostPanel-secondary',
      testid: 'smcost-schedule-source'
    });
    this._stopAt = Private.timeForm({
      testid: 'smcost-stop-at',
      label: trans.__('Your stop time'),
      submit: trans.__('Set'),
      other: {
        testid: 'smcost-stop-at-reset',
        text: trans.__("Use the admin's"),
        label: trans.__(
          "Go back to your admin's stop time (none if they set none)"
        )
      }
    });
    this._keepUntil = Private.timeForm({
      testid: 'smcost-keep-until',
      label: trans.__('Keep running until'),
      submit: trans.__('Set'),
      other: {
        testid: 'smcost-keep-until-cancel',
        text: trans.__('Cancel'),
        label: trans.__('Cancel: stop at the scheduled time today')
      }
    });
    this.node.append(
      heading,
      this._next,
      this._source,
      this._stopAt.form,
      this._keepUntil.form
    );
    this._wire(this._stopAt, time => this._setStopAt(time));
    this._wire(this._keepUntil, time => this._setKeepUntil(time));
  }

  /**
   * The group's node, for the idle section.
   */
  readonly node: HTMLDivElement;

  /**
   * Redraw from the idle status and the schedule document.
   *
   * @param status - The last idle status, or `null`.
   * @param stopped - Whether the app was stopped (nothing left to change).
   */
  render(status: IStatus | null, stopped: boolean): void {
    const trans = this._trans;
    const model = this._model;
    const schedule = model?.document ?? null;
    const next = describeSchedule(status, trans);
    setText(this._next, next ?? '');
    this._next.hidden = next === null;

    const source =
      schedule !== null &&
      (schedule.stop_at !== null || schedule.user_may_change)
        ? describeStopTime(schedule, trans)
        : null;
    setText(this._source, source ?? '');
    this._source.hidden = source === null;

    const stopAt = this._stopAt;
    const keepUntil = this._keepUntil;
    stopAt.form.hidden =
      model === null ||
      stopped ||
      schedule === null ||
      !schedule.user_may_change;
    if (schedule !== null) {
      Private.setBounds(
        stopAt.input,
        schedule.earliest_stop_at,
        schedule.latest_stop_at
      );
      // (The zone, when it is not this browser's, is on the line above.)
      setText(stopAt.hint, stopTimeBounds(schedule, trans) ?? '');
      // The time that applies, unless the user is typing one.
      if (
        schedule.stop_at !== this._shownStopAt &&
        document.activeElement !== stopAt.input
      ) {
        stopAt.input.value = schedule.stop_at ?? '';
        this._shownStopAt = schedule.stop_at;
      }
      stopAt.other.hidden = schedule.source !== 'user';
      Private.setBounds(keepUntil.input, null, schedule.max_keep_running_until);
      setText(keepUntil.hint, keepRunningBound(schedule, trans));
    }
    stopAt.hint.hidden = stopAt.hint.textContent === '';

    const scheduled = scheduleOf(status);
    keepUntil.form.hidden = model === null || stopped || scheduled === null;
    keepUntil.other.hidden = (scheduled?.keep_running_until ?? null) === null;
    keepUntil.hint.hidden = schedule === null;

    this.node.hidden =
      this._next.hidden &&
      this._source.hidden &&
      stopAt.form.hidden &&
      keepUntil.form.hidden;
  }

  /**
   * Submit sends the input's time, the other button `null`; the outcome
   * (or the server's refusal) goes in the form's message.
   */
  private _wire(
    form: Private.ITimeForm,
    send: (time: string | null) => Promise<string>
  ): void {
    const run = async (time: string | null): Promise<void> => {
      setText(form.message, '');
      try {
        setText(form.message, await send(time));
      } catch (reason) {
        setText(form.message, errorMessage(reason));
      }
    };
    form.form.addEventListener('submit', event => {
      event.preventDefault();
      if (form.input.value) {
        void run(form.input.value);
      }
    });
    form.other.addEventListener('click', () => void run(null));
  }

  private async _setStopAt(time: string | null): Promise<string> {
    const trans = this._trans;
    const reply = await this._model!.setStopAt(time);
    if (time !== null) {
      return trans.__('Your stop time is %1 from now on.', time);
    }
    return reply?.stop_at
      ? trans.__("Your admin's stop time applies again.")
      : trans.__('No daily stop time now.');
  }

  private async _setKeepUntil(time: string | null): Promise<string> {
    const trans = this._trans;
    await this._model!.keepRunningUntil(time);
    return time === null
      ? trans.__('The app stops at its scheduled time today.')
      : trans.__('The app keeps running until %1 today.', time);
  }

  private _keepUntil: Private.ITimeForm;
  private _model: ScheduleModel | null;
  private _next: HTMLParagraphElement;
  private _shownStopAt: string | null = null;
  private _source: HTMLParagraphElement;
  private _stopAt: Private.ITimeForm;
  private _trans: TranslationBundle;
}

/**
 * A namespace for `WorkingHours` statics.
 */
export namespace WorkingHours {
  /**
   * The options to construct the working hours' part.
   */
  export interface IOptions {
    /** The extension's strings. */
    trans: TranslationBundle;
    /** The schedule and its changes; no controls without it. */
    schedule?: ScheduleModel | null;
  }
}

namespace Private {
  /**
   * A form of a time input, a submit button, another button (`null`), the
   * admin's bound beside the input and the outcome.
   */
  export interface ITimeForm {
    form: HTMLFormElement;
    input: HTMLInputElement;
    other: HTMLButtonElement;
    hint: HTMLParagraphElement;
    message: HTMLParagraphElement;
  }

  let count = 0;

  /**
   * A new id in the page (the panel may be built more than once in tests).
   */
  export function nextId(what: string): string {
    return `jp-smcost-WorkingHours-${what}-${count++}`;
  }

  /**
   * "label", "[HH:MM] [submit] [other]", the hint under it (the input's
   * description) and the outcome, announced politely. The server judges the
   * time (`noValidate`): its refusal names the bounds as the admin set them.
   */
  export function timeForm(options: {
    testid: string;
    label: string;
    submit: string;
    other: { testid: string; text: string; label: string };
  }): ITimeForm {
    const { testid } = options;
    const form = el('form', {
      className: 'jp-smcost-CostPanel-keepUntil jp-smcost-WorkingHours-form',
      testid
    });
    form.noValidate = true;
    form.hidden = true;
    const inputId = nextId('time');
    const hintId = nextId('hint');
    // The label on a line of its own: the input and its buttons fit beside
    // each other in the narrow sidebar.
    const label = el('label', {
      className: 'jp-smcost-CostPanel-secondary',
      text: options.label,
      attrs: { for: inputId }
    });
    const input = el('input', {
      className: 'jp-mod-styled',
      testid: `${testid}-time`,
      attrs: {
        id: inputId,
        type: 'time',
        required: 'true',
        'aria-describedby': hintId
      }
    });
    const submit = el('button', {
      className: 'jp-mod-styled',
      testid: `${testid}-set`,
      text: options.submit,
      attrs: { type: 'submit' }
    });
    const other = el('button', {
      className: 'jp-mod-styled',
      testid: options.other.testid,
      text: options.other.text,
      attrs: {
        type: 'button',
        'aria-label': options.other.label,
        title: options.other.label
      }
    });
    other.hidden = true;
    const hint = el('p', {
      className: 'jp-smcost-CostPanel-secondary jp-smcost-WorkingHours-hint',
      testid: `${testid}-hint`,
      attrs: { id: hintId }
    });
    const message = el('p', {
      className: 'jp-smcost-CostPanel-secondary',
      testid: `${testid}-message`,
      attrs: { role: 'status', 'aria-live': 'polite' }
    });
    form.append(label, input, submit, other, hint, message);
    return { form, input, other, hint, message };
  }

  /**
   * The input's `min` and `max` (the picker keeps to them, `:invalid`
   * shows a time outside), removed when there is no bound.
   */
  export function setBounds(
    input: HTMLInputElement,
    min: string | null,
    max: string | null
  ): void {
    for (const [name, value] of [
      ['min', min],
      ['max', max]
    ] as const) {
      if (value === null) {
        input.removeAttribute(name);
      } else if (input.getAttribute(name) !== value) {
        input.setAttribute(name, value);
      }
    }
  }
}
