import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import type { IdleModel } from './idle/model';

/**
 * The idle status of this app, polled and updated by the server's events
 * (`jupyter-smcost:plugin`); the Cost panel shows its countdown.
 */
export const IIdleModel = new Token<IdleModel>(
  'jupyter-smcost:IIdleModel',
  'The idle status of this app, and "Keep running".'
);

/**
 * What the cost meter and the Cost panel need of the savings suggestions:
 * how many there are and what they could save.
 */
export interface ISavingsSummary {
  /** Emitted when the count or the total changes. */
  readonly changed: ISignal<unknown, void>;
  /** Whether the server offers suggestions at all. */
  readonly available: boolean;
  /** How many suggestions there are to show. */
  readonly count: number;
  /** Their monthly saving in USD. */
  readonly totalSaving: number;
}

/**
 * The savings section of the Cost panel.
 */
export interface ISavingsSection extends Widget {
  /** Move the focus to the section ("Show SageMaker savings"). */
  focus(): void;
  /**
   * Ask for the suggestions again (the panel's refresh); resolves once they
   * have come or the request failed.
   */
  refresh(): Promise<void>;
}

/**
 * The cost UI (`jupyter-smcost:cost`): the status bar meter and the Cost
 * panel, which the savings suggestions join.
 */
export interface ICostUI {
  /** The id of the Cost panel in the shell. */
  readonly panelId: string;
  /**
   * Show the savings: the badge on the meter, the section in the panel
   * (between the picture and this environment). Once.
   */
  addSavings(summary: ISavingsSummary, section: ISavingsSection): void;
  /** Bring the savings into view and focus them; the panel must be shown. */
  showSavings(): void;
}

/**
 * The cost UI, for `jupyter-smcost:suggestions`.
 */
export const ICostUI = new Token<ICostUI>(
  'jupyter-smcost:ICostUI',
  'The SageMaker cost meter and Cost panel, which savings sections join.'
);
