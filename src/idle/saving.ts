import { IDisposable } from '@lumino/disposable';

import { IdleModel } from './model';
import { ISaveAck, ISaveRequest } from '../api';

/**
 * The longest wait for one document to save. A save can hang on a dialog
 * ("File changed on disk"), which must not hold the shutdown forever: it is
 * reported as failed, and the server postpones the shutdown.
 */
export const SAVE_TIMEOUT_MS = 10_000;

/**
 * A document this tab can save.
 */
export interface ISavableDocument {
  /** Its path on the server. */
  path: string;
  /** Save it. */
  save(): Promise<unknown>;
}

/**
 * The outcome of saving the documents of a tab.
 */
export interface ISaveResult {
  saved: string[];
  failed: Array<{ path: string; error: string }>;
}

/**
 * Just enough of a `DocumentRegistry.Context` (duck-typed: no dependency on
 * the document registry).
 */
interface IContextLike {
  path: string;
  localPath?: string;
  isReady?: boolean;
  model: { dirty: boolean } | null;
  save(): Promise<unknown>;
}

/**
 * The unsaved documents among `widgets`: any widget with a document context
 * (notebooks, text files, ...) whose model is dirty, each context once.
 *
 * @param widgets - The widgets of the shell's areas.
 */
export function findUnsavedDocuments(
  widgets: Iterable<unknown>
): ISavableDocument[] {
  const contexts = new Set<IContextLike>();
  for (const widget of widgets) {
    const context = (widget as { context?: unknown } | null)?.context;
    if (Private.isContext(context) && context.model?.dirty) {
      contexts.add(context);
    }
  }
  return [...contexts].map(context => ({
    path: context.localPath || context.path,
    save: () => context.save()
  }));
}

/**
 * Save documents in parallel, each bounded in time.
 *
 * @param documents - What to save.
 * @param timeoutMs - The longest wait for each.
 * @returns What was saved and what failed (with why); never rejects.
 */
export async function saveDocuments(
  documents: ISavableDocument[],
  timeoutMs: number = SAVE_TIMEOUT_MS
): Promise<ISaveResult> {
  const result: ISaveResult = { saved: [], failed: [] };
  await Promise.all(
    documents.map(async document => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `not saved after ${Math.round(timeoutMs / 1000)} s ` +
                  '(a dialog may be waiting for an answer)'
              )
            ),
          timeoutMs
        );
      });
      try {
        // `save()` may also throw before it returns a promise.
        await Promise.race([
          Promise.resolve().then(() => document.save()),
          timeout
        ]);
        result.saved.push(document.path);
      } catch (reason) {
        result.failed.push({
          path: document.path,
          error: Private.messageOf(reason)
        });
      } finally {
        clearTimeout(timer);
      }
    })
  );
  return result;
}

/**
 * How long each save may take for a request: the server's own wait (from its
 * two times, so the browser's clock does not matter) less a margin for the
 * answer, and at most `maxMs`.
 *
 * @param request - The server's save request.
 * @param maxMs - The longest wait.
 */
export function saveBudgetMs(
  request: ISaveRequest,
  maxMs: number = SAVE_TIMEOUT_MS
): number {
  const window =
    Date.parse(request.deadline) - Date.parse(request.requested_at);
  if (!Number.isFinite(window) || window <= 0) {
    return maxMs;
  }
  return Math.max(1000, Math.min(maxMs, window - 2000));
}

/**
 * Answers the server's save requests: saves every unsaved document of this
 * tab, then tells the server what was saved and what failed
 * (`POST save-ack`). A failure makes the server postpone the shutdown.
 */
export class SaveResponder implements IDisposable {
  /**
   * Construct a responder and start listening to the model.
   */
  constructor(options: SaveResponder.IOptions) {
    this._model = options.model;
    this._widgets = options.widgets;
    this._ack = options.ack;
    this._maxMs = options.timeoutMs ?? SAVE_TIMEOUT_MS;
    this._model.saveRequested.connect(this._onRequest, this);
  }

  /**
   * Whether the responder is disposed.
   */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * The answer to the last request handled (tests).
   */
  get done(): Promise<ISaveAck | null> {
    return this._done;
  }

  /**
   * Save and answer one request.
   *
   * @param request - The server's save request.
   * @returns The answer sent.
   */
  async respond(request: ISaveRequest): Promise<ISaveAck> {
    let documents: ISavableDocument[] = [];
    try {
      documents = findUnsavedDocuments(this._widgets());
    } catch (reason) {
      console.error('jupyter-smcost: cannot list the open documents', reason);
    }
    const result = await saveDocuments(
      documents,
      saveBudgetMs(request, this._maxMs)
    );
    const answer: ISaveAck = {
      request_id: request.id,
      client_id: this._model.clientId,
      saved: result.saved,
      failed: result.failed
    };
    if (answer.failed.length > 0) {
      console.warn('jupyter-smcost: could not save', answer.failed);
    }
    try {
      await this._ack(answer);
    } catch (reason) {
      // 409: the server stopped waiting. It decided without this tab.
      console.warn('jupyter-smcost: the save answer was refused', reason);
    }
    return answer;
  }

  /**
   * Stop answering.
   */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._model.saveRequested.disconnect(this._onRequest, this);
  }

  private _onRequest(_: IdleModel, request: ISaveRequest): void {
    this._done = this.respond(request);
  }

  private _ack: (answer: ISaveAck) => Promise<unknown>;
  private _done: Promise<ISaveAck | null> = Promise.resolve(null);
  private _isDisposed = false;
  private _maxMs: number;
  private _model: IdleModel;
  private _widgets: () => Iterable<unknown>;
}

/**
 * A namespace for `SaveResponder` statics.
 */
export namespace SaveResponder {
  /**
   * The options to construct a `SaveResponder`.
   */
  export interface IOptions {
    /** The idle model, which signals the save requests. */
    model: IdleModel;
    /** The widgets that may hold documents (the shell's areas). */
    widgets: () => Iterable<unknown>;
    /** Send the answer (`POST save-ack`). */
    ack: (answer: ISaveAck) => Promise<unknown>;
    /** The longest wait for one document (ms, default 10 s). */
    timeoutMs?: number;
  }
}

namespace Private {
  /**
   * Whether a value looks like a document context.
   */
  export function isContext(value: unknown): value is IContextLike {
    if (typeof value !== 'object' || value === null) {
      return false;
    }
    const context = value as Partial<IContextLike>;
    return (
      typeof context.path === 'string' &&
      typeof context.save === 'function' &&
      typeof context.model === 'object' &&
      context.isReady !== false
    );
  }

  /**
   * A message for any failure.
   */
  export function messageOf(reason: unknown): string {
    if (reason instanceof Error) {
      return reason.message || reason.name;
    }
    if (typeof reason === 'string') {
      return reason;
    }
    return 'unknown error';
  }
}
