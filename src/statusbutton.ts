import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { loadTrans } from './i18n';

const TICK_MS = 1000;

/**
 * A status bar item that works as a button (click, Enter or Space) and renders again every
 * second while attached, so that countdowns and running costs move between polls.
 * Subclasses render their model into `label` and call `render()` at the end of their
 * constructor.
 */
export abstract class TickingStatusButton extends Widget {
  constructor(options: TickingStatusButton.IOptions) {
    super();
    this._changed = options.changed;
    this._onActivate = options.onActivate;
    this.trans = loadTrans(options.translator);
    this.label = document.createElement('span');
    this.label.className = `jp-StatusBar-TextItem ${options.labelClass}`;
    this.node.appendChild(this.label);
    // A button for keyboards and screen readers, not only for the mouse.
    this.node.setAttribute('role', 'button');
    this.node.tabIndex = 0;
    this._changed.connect(this._onModelChanged, this);
  }

  /**
   * Show the model's current state.
   */
  abstract render(): void;

  /**
   * The extension's strings.
   */
  protected readonly trans: TranslationBundle;

  /**
   * Set the label, title and state; returns whether the state changed.
   */
  protected display(text: string, title: string, state: string): boolean {
    if (this.label.textContent !== text) {
      this.label.textContent = text;
    }
    if (this.node.title !== title) {
      this.node.title = title;
    }
    if (this.node.dataset.state === state) {
      return false;
    }
    this.node.dataset.state = state;
    return true;
  }

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

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._stopTicking();
    this._changed.disconnect(this._onModelChanged, this);
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

  private _onModelChanged(): void {
    this.render();
  }

  private _stopTicking(): void {
    if (this._timer !== null) {
      window.clearInterval(this._timer);
      this._timer = null;
    }
  }

  protected readonly label: HTMLSpanElement;
  private _changed: ISignal<unknown, unknown>;
  private _onActivate: () => void;
  private _timer: number | null = null;
}

/**
 * A namespace for `TickingStatusButton` statics.
 */
export namespace TickingStatusButton {
  /**
   * The options to construct a `TickingStatusButton`.
   */
  export interface IOptions {
    /** Emitted when the model changes. */
    changed: ISignal<unknown, unknown>;
    /** Called on click, Enter or Space. */
    onActivate: () => void;
    /** The label's own class. */
    labelClass: string;
    /** The strings' translations; English without it. */
    translator?: ITranslator | null;
  }
}
