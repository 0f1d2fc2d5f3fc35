import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { CostModel } from './model';
import { ICost } from '../api';

/**
 * One point of the session cost: when (ms since the epoch, the server's
 * clock) and how much so far (USD).
 */
export interface ICostSample {
  t: number;
  usd: number;
}

/**
 * The most samples kept; past it, every other one is dropped, so that a
 * long session keeps its whole curve at a coarser step.
 */
export const MAX_COST_SAMPLES = 200;

/**
 * Where the samples survive a reload of the page (this browser tab only).
 */
export const COST_HISTORY_KEY = 'jupyter-smcost:session-cost';

/**
 * This session's cost over time, for the sparkline: one sample per answer of
 * the cost poll, kept in memory and in `sessionStorage`, so that a reload
 * keeps the curve. A new session (another start time, or a cost that went
 * down) starts a new curve.
 */
export class SessionCostHistory implements IDisposable {
  /**
   * Construct the history and follow the model's answers.
   */
  constructor(options: SessionCostHistory.IOptions) {
    this._model = options.model;
    this._storage =
      options.storage === undefined
        ? Private.sessionStorage()
        : options.storage;
    this._max = Math.max(4, options.maxSamples ?? MAX_COST_SAMPLES);
    this._load();
    this._model.changed.connect(this._onModelChanged, this);
    this._onModelChanged();
  }

  /**
   * Emitted when a sample is added.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * The samples, oldest first, starting at the session's start (nothing
   * spent yet) when the server says when that was.
   */
  get samples(): ICostSample[] {
    const started = Date.parse(this._startedAt ?? '');
    const first = this._samples[0];
    if (Number.isFinite(started) && (!first || started < first.t)) {
      return [{ t: started, usd: 0 }, ...this._samples];
    }
    return this._samples.slice();
  }

  /**
   * Whether the history is disposed.
   */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Add the figure of an answer of `GET cost`, if it is a new one.
   *
   * @param cost - The answer.
   * @returns Whether a sample was added.
   */
  record(cost: ICost | null): boolean {
    if (
      cost === null ||
      typeof cost.session_usd !== 'number' ||
      !Number.isFinite(cost.session_usd)
    ) {
      return false;
    }
    const t = Date.parse(cost.generated_at ?? '');
    if (!Number.isFinite(t)) {
      return false;
    }
    const startedAt = cost.started_at ?? null;
    let last: ICostSample | undefined = this._samples[this._samples.length - 1];
    if (
      startedAt !== this._startedAt ||
      (last !== undefined && cost.session_usd < last.usd - 1e-9)
    ) {
      // Another session: its curve starts afresh.
      this._samples = [];
      this._startedAt = startedAt;
      last = undefined;
    }
    if (last !== undefined && t <= last.t) {
      // The same answer again (each poll of an unchanged document).
      return false;
    }
    this._samples.push({ t, usd: cost.session_usd });
    if (this._samples.length > this._max) {
      const end = this._samples.length - 1;
      this._samples = this._samples.filter((_, i) => i % 2 === 0 || i === end);
    }
    this._save();
    this._changed.emit();
    return true;
  }

  /**
   * Stop following the model.
   */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._model.changed.disconnect(this._onModelChanged, this);
    Signal.clearData(this);
  }

  private _onModelChanged(): void {
    this.record(this._model.cost);
  }

  private _load(): void {
    const stored = Private.read(this._storage);
    if (stored !== null) {
      this._startedAt = stored.startedAt;
      this._samples = stored.samples.slice(-this._max);
    }
  }

  private _save(): void {
    try {
      this._storage?.setItem(
        COST_HISTORY_KEY,
        JSON.stringify({
          started_at: this._startedAt,
          samples: this._samples.map(s => [s.t, s.usd])
        })
      );
    } catch {
      // Full or refused storage: the curve lives in memory only.
    }
  }

  private _changed = new Signal<this, void>(this);
  private _isDisposed = false;
  private _max: number;
  private _model: CostModel;
  private _samples: ICostSample[] = [];
  private _startedAt: string | null = null;
  private _storage: Storage | null;
}

/**
 * A namespace for `SessionCostHistory` statics.
 */
export namespace SessionCostHistory {
  /**
   * The options to construct a `SessionCostHistory`.
   */
  export interface IOptions {
    /** The cost, whose answers are sampled. */
    model: CostModel;
    /** Where the samples survive a reload; `null` for nowhere. */
    storage?: Storage | null;
    /** The most samples kept (default 200). */
    maxSamples?: number;
  }
}

namespace Private {
  /**
   * The page's session storage, `null` when the browser refuses it.
   */
  export function sessionStorage(): Storage | null {
    try {
      return window.sessionStorage;
    } catch {
      return null;
    }
  }

  /**
   * The stored samples, `null` when there are none or they are not usable.
   */
  export function read(
    storage: Storage | null
  ): { startedAt: string | null; samples: ICostSample[] } | null {
    try {
      const raw = storage?.getItem(COST_HISTORY_KEY);
      if (!raw) {
        return null;
      }
      const data = JSON.parse(raw) as {
        started_at?: unknown;
        samples?: unknown;
      };
      if (!Array.isArray(data.samples)) {
        return null;
      }
      const samples: ICostSample[] = [];
      for (const pair of data.samples) {
        if (
          Array.isArray(pair) &&
          Number.isFinite(pair[0]) &&
          Number.isFinite(pair[1]) &&
          (samples.length === 0 || pair[0] > samples[samples.length - 1].t)
        ) {
          samples.push({ t: pair[0], usd: pair[1] });
        }
      }
      return {
        startedAt: typeof data.started_at === 'string' ? data.started_at : null,
        samples
      };
    } catch {
      return null;
    }
  }
}
