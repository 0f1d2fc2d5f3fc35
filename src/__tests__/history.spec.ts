import { Notification } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';

import { CostPanel } from '../cost/panel';
import { IHistory, IHistoryEntry } from '../api';
import {
  describeIdleTime,
  describeSaved,
  IHistoryNotifications,
  SHOW_HISTORY_ACTION,
  showHistoryNotice,
  shutdownSentence
} from '../idle/history';
import { HistoryView } from '../idle/historyview';
import {
  byId,
  costModel,
  FakeClock,
  FakeServer,
  idleModel
} from './costfixtures';

/**
 * 19:42 on this machine's clock, whatever its time zone: the texts show the
 * browser's local time.
 */
const STOPPED_AT = new Date(2026, 10, 26, 19, 42).toISOString();
const CAME_BACK_AT = new Date(2026, 10, 27, 7, 40).toISOString();

/**
 * A history entry as the server sends it: by default the shutdown of the
 * issue's example, after 60 min idle, two notebooks saved, back the next
 * morning.
 */
function entry(overrides: Partial<IHistoryEntry> = {}): IHistoryEntry {
  return {
    id: 42,
    at: STOPPED_AT,
    kind: 'shutdown',
    reason: 'timeout',
    idle_seconds: 3600,
    rate_usd_per_hour: 0.944,
    saved: ['analysis.ipynb', 'notes.ipynb'],
    unsaved: [],
    action:
      "requested: delete the JupyterLab app 'default' of space 'demo-space'",
    dry_run: false,
    came_back_at: CAME_BACK_AT,
    avoided_usd: 11.3,
    ...overrides
  };
}

/**
 * A `GET history` answer: a warning, then the shutdown, with the notice.
 */
function history(overrides: Partial<IHistory> = {}): IHistory {
  const warning = entry({
    id: 41,
    at: new Date(2026, 10, 26, 19, 37).toISOString(),
    kind: 'warning',
    idle_seconds: 3300,
    saved: [],
    action: null,
    came_back_at: null,
    avoided_usd: null
  });
  const shutdown = entry();
  return {
    entries: [warning, shutdown],
    notice: shutdown,
    limit: 200,
    ...overrides
  };
}

/**
 * A notification center that records what it is asked.
 */
class FakeNotifications implements IHistoryNotifications {
  shown: Array<{ message: string; options: Notification.IOptions<null> }> = [];
  info(message: string, options: Notification.IOptions<null>): string {
    this.shown.push({ message, options });
    return `n${this.shown.length}`;
  }
}

describe('the sentence of a shutdown', () => {
  it('says when, how long idle, what was saved and what was not spent', () => {
    expect(shutdownSentence(entry())).toBe(
      'Stopped at 19:42 after 60 min idle; 2 notebooks saved; ~$11.30 not spent'
    );
  });

  it('leaves out the saved part when nothing was saved', () => {
    expect(shutdownSentence(entry({ saved: [] }))).toBe(
      'Stopped at 19:42 after 60 min idle; ~$11.30 not spent'
    );
  });

  it('leaves out the dollars when the rate was unknown', () => {
    expect(
      shutdownSentence(entry({ rate_usd_per_hour: null, avoided_usd: null }))
    ).toBe('Stopped at 19:42 after 60 min idle; 2 notebooks saved');
  });

  it('says a dry run would have stopped, and never claims money', () => {
    // Even if a server sent a figure for it.
    expect(shutdownSentence(entry({ dry_run: true, avoided_usd: 5 }))).toBe(
      'Would have stopped at 19:42 after 60 min idle; 2 notebooks saved'
    );
  });

  it('says the idle budget ended the idle time', () => {
    expect(
      shutdownSentence(entry({ reason: 'budget', idle_seconds: 1500 }))
    ).toBe(
      'Stopped at 19:42 after the idle budget ran out (25 min idle); 2 notebooks saved; ~$11.30 not spent'
    );
    expect(
      shutdownSentence(
        entry({ reason: 'budget', dry_run: true, avoided_usd: null })
      )
    ).toBe(
      'Would have stopped at 19:42 after the idle budget ran out (60 min idle); 2 notebooks saved'
    );
  });

  it('shows a reason this version does not know as it is', () => {
    expect(shutdownSentence(entry({ reason: 'fleet-check', saved: [] }))).toBe(
      'Stopped at 19:42 after 60 min idle (fleet-check); ~$11.30 not spent'
    );
  });

  it('counts one notebook, other documents, and short idle times', () => {
    expect(describeSaved(['a.ipynb'])).toBe('1 notebook saved');
    expect(describeSaved(['a.ipynb', 'b.py'])).toBe('2 documents saved');
    expect(describeSaved([])).toBeNull();
    expect(describeIdleTime(6.2)).toBe('6 s');
    expect(describeIdleTime(3570)).toBe('60 min');
    expect(describeIdleTime(NaN)).toBe('0 s');
  });
});

describe('the notice of the last shutdown', () => {
  let debug: jest.SpyInstance;

  beforeEach(() => {
    debug = jest.spyOn(console, 'debug').mockImplementation(() => {});
  });

  afterEach(() => {
    debug.mockRestore();
  });

  it('is shown once with "Show history", and its id is posted as seen', async () => {
    const server = new FakeServer({
      history: [history()],
      'history/seen': [{ seen: true, notice: null }]
    });
    const notifications = new FakeNotifications();
    const showHistory = jest.fn();
    const shown = await showHistoryNotice({
      serverSettings: server.settings,
      notifications,
      showHistory
    });
    expect(shown?.id).toBe(42);
    expect(notifications.shown).toHaveLength(1);
    const [{ message, options }] = notifications.shown;
    expect(message).toBe(
      'Stopped at 19:42 after 60 min idle; 2 notebooks saved; ~$11.30 not spent'
    );
    expect(options.autoClose).toBe(false);
    const action = options.actions!.find(a => a.label === SHOW_HISTORY_ACTION);
    expect(action).toBeDefined();
    action!.callback(new MouseEvent('click'));
    expect(showHistory).toHaveBeenCalledTimes(1);
    // GET history once, then the seen with the notice's id.
    expect(server.calls.map(c => `${c.method} ${c.path}`)).toEqual([
      'GET history',
      'POST history/seen'
    ]);
    expect(JSON.parse(server.calls[1].body)).toEqual({ id: 42 });
  });

  it('is not shown when there is none', async () => {
    const server = new FakeServer({ history: [history({ notice: null })] });
    const notifications = new FakeNotifications();
    expect(
      await showHistoryNotice({
        serverSettings: server.settings,
        notifications
      })
    ).toBeNull();
    expect(notifications.shown).toHaveLength(0);
    expect(server.requests).toEqual(['history']);
  });

  it.each([
    ['an older server (404)', undefined],
    ['a server error', 500],
    ['the network', new ServerConnection.NetworkError(new TypeError('down'))]
  ])('stays silent when %s fails it', async (_, answer) => {
    const server = new FakeServer(
      answer === undefined ? {} : { history: [answer] }
    );
    const notifications = new FakeNotifications();
    await expect(
      showHistoryNotice({ serverSettings: server.settings, notifications })
    ).resolves.toBeNull();
    expect(notifications.shown).toHaveLength(0);
    expect(server.requests).toEqual(['history']);
    expect(debug).toHaveBeenCalled();
  });

  it('is still shown when the seen cannot be posted', async () => {
    const server = new FakeServer({ history: [history()] });
    const notifications = new FakeNotifications();
    await showHistoryNotice({ serverSettings: server.settings, notifications });
    expect(notifications.shown).toHaveLength(1);
    expect(server.requests).toEqual(['history', 'history/seen']);
  });
});

describe('HistoryView', () => {
  function rows(view: HistoryView): HTMLTableRowElement[] {
    return Array.from(
      view.node.querySelectorAll<HTMLTableRowElement>(
        '[data-testid="smcost-history-row"]'
      )
    );
  }

  it('lists the entries newest first', async () => {
    const answer = history();
    answer.entries.push(
      entry({
        id: 43,
        at: new Date(2026, 10, 27, 9, 0).toISOString(),
        kind: 'postponed',
        saved: [],
        unsaved: [{ path: 'work.ipynb', error: 'disk full' }],
        action: null,
        came_back_at: null,
        avoided_usd: null
      }),
      entry({
        id: 44,
        at: new Date(2026, 10, 27, 9, 5).toISOString(),
        dry_run: true,
        reason: 'budget',
        saved: [],
        came_back_at: null,
        avoided_usd: null
      })
    );
    const view = new HistoryView({ fetch: () => Promise.resolve(answer) });
    await view.load();
    expect(view.node.dataset.state).toBe('ready');
    expect(rows(view).map(r => r.dataset.id)).toEqual(['44', '43', '42', '41']);
    const cells = rows(view).map(r =>
      Array.from(r.cells)
        .slice(1)
        .map(c => c.textContent)
    );
    expect(cells).toEqual([
      [
        'Would have stopped (dry run)',
        'Idle budget',
        '60 min',
        '—',
        'nothing (dry run)'
      ],
      [
        'Shutdown postponed',
        'Idle timeout',
        '60 min',
        'Not saved: work.ipynb (disk full)',
        ''
      ],
      [
        'Stopped',
        'Idle timeout',
        '60 min',
        'Saved: analysis.ipynb, notes.ipynb',
        '~$11.30'
      ],
      ['Warning', 'Idle timeout', '55 min', '—', '']
    ]);
    // The shutdown's time in 24 hours, as the notice says it.
    expect(rows(view)[2].cells[0].textContent).toMatch(/19:42$/);
    // The shutdown says what the action did.
    expect(rows(view)[2].cells[1].title).toMatch(/^requested: delete/);
    expect(byId(view, 'smcost-history-status').hidden).toBe(true);
    expect(byId(view, 'smcost-history-footer').textContent).toBe(
      'The server keeps the last 200 events.'
    );
    view.dispose();
  });

  it('gives "Keep running" no reason', async () => {
    const press = entry({
      id: 7,
      kind: 'keep-running',
      saved: [],
      action: null,
      came_back_at: null,
      avoided_usd: null
    });
    const view = new HistoryView({
      fetch: () => Promise.resolve(history({ entries: [press], notice: null }))
    });
    await view.load();
    expect(
      Array.from(rows(view)[0].cells)
        .slice(1)
        .map(c => c.textContent)
    ).toEqual(['Keep running', '—', '60 min', '—', '']);
    view.dispose();
  });

  it('says when there is nothing yet', async () => {
    const view = new HistoryView({
      fetch: () => Promise.resolve(history({ entries: [], notice: null }))
    });
    await view.load();
    expect(view.node.dataset.state).toBe('empty');
    expect(rows(view)).toHaveLength(0);
    expect(byId(view, 'smcost-history-table').hidden).toBe(true);
    expect(byId(view, 'smcost-history-status').textContent).toBe(
      'No idle events yet: no warning, postponement or shutdown so far.'
    );
    view.dispose();
  });

  it('says why it cannot show the history', async () => {
    const view = new HistoryView({
      fetch: () => Promise.reject(new Error('Not Found'))
    });
    expect(byId(view, 'smcost-history-status').textContent).toBe(
      'Loading the idle history…'
    );
    await view.load();
    expect(view.node.dataset.state).toBe('error');
    expect(byId(view, 'smcost-history-status').textContent).toBe(
      'Could not get the idle history: Not Found'
    );
    view.dispose();
  });
});

describe('the Cost panel\'s "History" link', () => {
  it('opens the history from the idle section, and is absent without it', () => {
    const server = new FakeServer();
    const clock = new FakeClock();
    const model = costModel(server, clock);
    const idle = idleModel(server, clock);
    const showHistory = jest.fn();
    const panel = new CostPanel({
      model,
      idle,
      showHistory,
      clock: clock.read
    });
    const link = byId(panel, 'smcost-idle-history');
    expect(link.textContent).toBe('History');
    expect(byId(panel, 'smcost-idle').contains(link)).toBe(true);
    link.click();
    expect(showHistory).toHaveBeenCalledTimes(1);
    panel.dispose();

    const bare = new CostPanel({ model, idle, clock: clock.read });
    expect(
      bare.node.querySelector('[data-testid="smcost-idle-history"]')
    ).toBeNull();
    bare.dispose();
    model.dispose();
    idle.dispose();
  });
});
