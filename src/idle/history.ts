import { Notification } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';

import {
  IHistory,
  IHistoryEntry,
  IHistorySeenReply,
  IHistorySeenRequest,
  jsonInit,
  requestAPI
} from '../api';
import { formatTimeOfDay, formatUsd } from '../format';
import { en, loadTrans } from '../i18n';

/**
 * The label of the notice's action that opens the idle history, in English.
 */
export const SHOW_HISTORY_ACTION = 'Show history';

/**
 * The notification call `showHistoryNotice` makes; injectable for tests.
 */
export interface IHistoryNotifications {
  info(message: string, options: Notification.IOptions<null>): string;
}

/**
 * How long an idle time was, for the history: whole minutes, or seconds
 * under a minute (tests and demos use timeouts of seconds).
 *
 * @param seconds - The idle time.
 */
export function describeIdleTime(
  seconds: number,
  trans: TranslationBundle = en
): string {
  const total = Math.max(0, Number.isFinite(seconds) ? seconds : 0);
  if (total < 60) {
    const s = Math.floor(total);
    return trans._n('%1 s', '%1 s', s);
  }
  const minutes = Math.round(total / 60);
  return trans._n('%1 min', '%1 min', minutes);
}

/**
 * What was saved before a shutdown, for people: "2 notebooks saved" (or
 * "documents" when not all of them are notebooks); `null` when nothing was.
 *
 * @param saved - The paths the server lists.
 */
export function describeSaved(
  saved: readonly string[],
  trans: TranslationBundle = en
): string | null {
  const count = saved.length;
  if (count === 0) {
    return null;
  }
  return saved.every(path => path.endsWith('.ipynb'))
    ? trans._n('%1 notebook saved', '%1 notebooks saved', count)
    : trans._n('%1 document saved', '%1 documents saved', count);
}

/**
 * The sentence of a shutdown, "Stopped at 19:42 after 60 min idle;
 * 2 notebooks saved; ~$11.30 not spent": the time on this browser's clock,
 * the saved part only when something was saved, the dollars only when
 * known. A dry run "would have stopped" and never claims money.
 *
 * @param entry - A `shutdown` entry of the history (the notice).
 */
export function shutdownSentence(
  entry: IHistoryEntry,
  trans: TranslationBundle = en
): string {
  const at = formatTimeOfDay(entry.at) ?? entry.at;
  const idle = describeIdleTime(entry.idle_seconds, trans);
  let stopped: string;
  if (entry.reason === 'budget') {
    stopped = entry.dry_run
      ? trans.__(
          'Would have stopped at %1 after the idle budget ran out (%2 idle)',
          at,
          idle
        )
      : trans.__(
          'Stopped at %1 after the idle budget ran out (%2 idle)',
          at,
          idle
        );
  } else if (entry.reason === 'timeout' || !entry.reason) {
    stopped = entry.dry_run
      ? trans.__('Would have stopped at %1 after %2 idle', at, idle)
      : trans.__('Stopped at %1 after %2 idle', at, idle);
  } else {
    // A reason this version does not know (a later server's): as it is.
    stopped = entry.dry_run
      ? trans.__(
          'Would have stopped at %1 after %2 idle (%3)',
          at,
          idle,
          entry.reason
        )
      : trans.__('Stopped at %1 after %2 idle (%3)', at, idle, entry.reason);
  }
  const parts = [stopped];
  const saved = describeSaved(entry.saved, trans);
  if (saved !== null) {
    parts.push(saved);
  }
  const avoided = entry.avoided_usd;
  if (
    !entry.dry_run &&
    typeof avoided === 'number' &&
    Number.isFinite(avoided) &&
    avoided > 0
  ) {
    parts.push(trans.__('~%1 not spent', formatUsd(avoided)));
  }
  return parts.join(trans.__('; '));
}

/**
 * At start: ask the server for the idle history once and, if it holds the
 * notice of the last shutdown, show it with "Show history", then tell the
 * server it was seen (another tab, a reload or the next start does not show
 * it again). Never throws: an older server without the history (404) or an
 * unreachable one leaves the page as it is.
 *
 * @returns The notice shown, `null` when none.
 */
export async function showHistoryNotice(
  options: IHistoryNoticeOptions
): Promise<IHistoryEntry | null> {
  const { serverSettings } = options;
  const trans = loadTrans(options.translator);
  const notifications = options.notifications ?? Notification;
  let history: IHistory;
  try {
    history = await requestAPI<IHistory>('history', {}, serverSettings);
  } catch (reason) {
    console.debug('jupyter-smcost: no idle history', reason);
    return null;
  }
  const notice = history?.notice ?? null;
  if (
    notice === null ||
    typeof notice !== 'object' ||
    notice.kind !== 'shutdown'
  ) {
    return null;
  }
  const actions: Notification.IAction[] = [];
  if (options.showHistory) {
    const showHistory = options.showHistory;
    actions.push({
      label: trans.__('Show history'),
      caption: trans.__('Every idle warning and shutdown of this app'),
      callback: () => showHistory()
    });
  }
  try {
    notifications.info(shutdownSentence(notice, trans), {
      autoClose: false,
      actions
    });
  } catch (reason) {
    console.debug('jupyter-smcost: cannot show the idle notice', reason);
    return null;
  }
  const seen: IHistorySeenRequest = { id: notice.id };
  try {
    await requestAPI<IHistorySeenReply>(
      'history/seen',
      jsonInit('POST', seen),
      serverSettings
    );
  } catch (reason) {
    // Shown again at the next load: better than never.
    console.debug('jupyter-smcost: cannot mark the idle notice seen', reason);
  }
  return notice;
}

/**
 * The options of `showHistoryNotice`.
 */
export interface IHistoryNoticeOptions {
  /** The server connection. */
  serverSettings: ServerConnection.ISettings;
  /** Open the full history; no "Show history" action without it. */
  showHistory?: (() => void) | null;
  /** The strings' translations; English without it. */
  translator?: ITranslator | null;
  /** The notifications; defaults to JupyterLab's. */
  notifications?: IHistoryNotifications;
}
