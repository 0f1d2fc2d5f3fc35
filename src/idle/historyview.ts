import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IHistory, IHistoryEntry, requestAPI } from '../api';
import { el, setData, setText } from '../dom';
import { formatUsd } from '../format';
import { loadTrans, nameFor, Names } from '../i18n';
import { describeIdleTime } from './history';

/**
 * The user's idle history, newest first: when, what happened, why, how long
 * the app had been idle, what was saved (or could not be), and what the
 * stopped time did not cost. Loaded from `GET history` when shown.
 */
export class HistoryView extends Widget {
  /**
   * Construct the view; `load` fills it.
   */
  constructor(options: HistoryView.IOptions) {
    super();
    this._fetch = options.fetch;
    this._trans = loadTrans(options.translator);
    const trans = this._trans;
    this.addClass('jp-smcost-History');
    this.node.dataset.testid = HistoryView.TEST_IDS.view;
    this._status = el('p', {
      className: 'jp-smcost-History-status',
      testid: HistoryView.TEST_IDS.status,
      text: trans.__('Loading the idle history…'),
      attrs: { role: 'status', 'aria-live': 'polite' }
    });
    this._table = el('table', {
      className: 'jp-smcost-History-table',
      testid: HistoryView.TEST_IDS.table
    });
    const caption = el('caption', {
      className: 'jp-smcost-History-caption',
      text: trans.__('Idle events of this app, newest first')
    });
    const head = el('thead');
    const headRow = el('tr');
    for (const label of [
      trans.__('When'),
      trans.__('Event'),
      trans.__('Reason'),
      trans.__('Idle'),
      trans.__('Documents'),
      trans.__('Not spent')
    ]) {
      headRow.append(el('th', { text: label, attrs: { scope: 'col' } }));
    }
    head.append(headRow);
    this._body = el('tbody');
    this._table.append(caption, head, this._body);
    this._table.hidden = true;
    this._footer = el('p', {
      className: 'jp-smcost-History-footer',
      testid: HistoryView.TEST_IDS.footer
    });
    this._footer.hidden = true;
    this.node.append(this._status, this._table, this._footer);
  }

  /**
   * Ask the server for the history and show it (or why it cannot).
   */
  async load(): Promise<void> {
    const trans = this._trans;
    setData(this.node, 'state', 'loading');
    try {
      this.render(await this._fetch());
    } catch (reason) {
      setData(this.node, 'state', 'error');
      this._table.hidden = true;
      this._footer.hidden = true;
      this._status.hidden = false;
      setText(
        this._status,
        trans.__(
          'Could not get the idle history: %1',
          reason instanceof Error ? reason.message : String(reason)
        )
      );
    }
  }

  /**
   * Show a `GET history` answer.
   */
  render(history: IHistory): void {
    const trans = this._trans;
    const entries = [...(history?.entries ?? [])].reverse();
    setData(this.node, 'state', entries.length === 0 ? 'empty' : 'ready');
    this._status.hidden = entries.length > 0;
    setText(
      this._status,
      entries.length === 0
        ? trans.__(
            'No idle events yet: no warning, postponement or shutdown so far.'
          )
        : ''
    );
    this._table.hidden = entries.length === 0;
    this._body.replaceChildren(...entries.map(entry => this._row(entry)));
    const limit = history?.limit;
    this._footer.hidden = entries.length === 0 || typeof limit !== 'number';
    setText(
      this._footer,
      typeof limit === 'number'
        ? trans._n(
            'The server keeps the last event.',
            'The server keeps the last %1 events.',
            limit
          )
        : ''
    );
  }

  private _row(entry: IHistoryEntry): HTMLTableRowElement {
    const trans = this._trans;
    const row = el('tr', {
      testid: HistoryView.TEST_IDS.row,
      attrs: { 'data-kind': entry.kind, 'data-id': String(entry.id) }
    });
    const when = el('td', { text: Private.formatWhen(entry.at) });
    when.title = entry.at;
    const event = el('td', {
      testid: HistoryView.TEST_IDS.kind,
      text: Private.describeKind(entry, trans)
    });
    if (entry.action) {
      event.title = entry.action;
    }
    // "Keep running" ends no idle time: its reason says nothing.
    const reason = el('td', {
      text:
        entry.kind === 'keep-running'
          ? '—'
          : (nameFor(Private.REASONS, entry.reason, trans) ?? entry.reason)
    });
    const idle = el('td', {
      text: describeIdleTime(entry.idle_seconds, trans)
    });
    const documents = el('td', {
      testid: HistoryView.TEST_IDS.documents,
      text: Private.describeDocuments(entry, trans)
    });
    const avoided = el('td', {
      testid: HistoryView.TEST_IDS.avoided,
      text: Private.describeAvoided(entry, trans)
    });
    row.append(when, event, reason, idle, documents, avoided);
    return row;
  }

  private _body: HTMLTableSectionElement;
  private _fetch: () => Promise<IHistory>;
  private _footer: HTMLParagraphElement;
  private _status: HTMLParagraphElement;
  private _table: HTMLTableElement;
  private _trans: TranslationBundle;
}

/**
 * A namespace for `HistoryView` statics.
 */
export namespace HistoryView {
  /**
   * The options to construct a `HistoryView`.
   */
  export interface IOptions {
    /** Ask the server for `GET history`. */
    fetch: () => Promise<IHistory>;
    /** The strings' translations; English without it. */
    translator?: ITranslator | null;
  }

  /**
   * The `data-testid`s of the view, for UI tests.
   */
  export const TEST_IDS = {
    view: 'smcost-history',
    status: 'smcost-history-status',
    table: 'smcost-history-table',
    row: 'smcost-history-row',
    kind: 'smcost-history-kind',
    documents: 'smcost-history-documents',
    avoided: 'smcost-history-avoided',
    footer: 'smcost-history-footer'
  } as const;
}

/**
 * Show the idle history in a dialog.
 *
 * @returns A promise that resolves when the dialog is closed.
 */
export async function showHistoryDialog(options: {
  serverSettings: ServerConnection.ISettings;
  translator?: ITranslator | null;
}): Promise<void> {
  const trans = loadTrans(options.translator);
  const body = new HistoryView({
    fetch: () => requestAPI<IHistory>('history', {}, options.serverSettings),
    translator: options.translator
  });
  void body.load();
  await showDialog({
    title: trans.__('Idle history'),
    body,
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
}

namespace Private {
  /**
   * The reasons for people; another reason shows as the server sends it.
   */
  export const REASONS: Names = {
    timeout: trans => trans.__('Idle timeout'),
    budget: trans => trans.__('Idle budget'),
    'admin-audit': trans => trans.__('Admin audit'),
    'fleet-check': trans => trans.__('Fleet check')
  };

  /**
   * The kinds for people.
   */
  const KINDS: Names = {
    warning: trans => trans.__('Warning'),
    postponed: trans => trans.__('Shutdown postponed'),
    'keep-running': trans => trans.__('Keep running'),
    shutdown: trans => trans.__('Stopped')
  };

  /**
   * What happened, for people; a dry run's shutdown says it stopped nothing.
   */
  export function describeKind(
    entry: IHistoryEntry,
    trans: TranslationBundle
  ): string {
    if (entry.kind === 'shutdown' && entry.dry_run) {
      return trans.__('Would have stopped (dry run)');
    }
    return nameFor(KINDS, entry.kind, trans) ?? entry.kind;
  }

  /**
   * The date and time on this browser's clock.
   */
  export function formatWhen(iso: string): string {
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) {
      return iso;
    }
    return new Date(ms).toLocaleString([], {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      // As the notice writes it ("Stopped at 19:42").
      hourCycle: 'h23'
    });
  }

  /**
   * What was saved, or could not be.
   */
  export function describeDocuments(
    entry: IHistoryEntry,
    trans: TranslationBundle
  ): string {
    const parts: string[] = [];
    if (entry.saved.length > 0) {
      parts.push(trans.__('Saved: %1', entry.saved.join(', ')));
    }
    if (entry.unsaved.length > 0) {
      parts.push(
        trans.__(
          'Not saved: %1',
          entry.unsaved.map(u => `${u.path} (${u.error})`).join(', ')
        )
      );
    }
    return parts.length > 0 ? parts.join('; ') : '—';
  }

  /**
   * What the stopped time did not cost: only a real shutdown's, once the
   * user came back, at a known price.
   */
  export function describeAvoided(
    entry: IHistoryEntry,
    trans: TranslationBundle
  ): string {
    if (entry.kind !== 'shutdown') {
      return '';
    }
    if (entry.dry_run) {
      return trans.__('nothing (dry run)');
    }
    if (typeof entry.avoided_usd === 'number' && entry.avoided_usd > 0) {
      return `~${formatUsd(entry.avoided_usd)}`;
    }
    // Before the next start nobody knows how long the app stayed stopped.
    return entry.came_back_at === null ? '—' : trans.__('price unknown');
  }
}
