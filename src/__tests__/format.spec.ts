import { extrapolate } from '../countdown';
import {
  describeAction,
  describeIdleAction,
  describeLastActivity,
  formatClock,
  formatDuration,
  formatStatus
} from '../format';
import { idleStatus } from './fixtures';

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [0.9, '0 s'],
    [59.9, '59 s'],
    [60, '1 min'],
    [12 * 60 + 59, '12 min'],
    [3599, '59 min'],
    [3600, '1 h'],
    [3600 + 5 * 60, '1 h 5 min'],
    [86400 - 1, '23 h 59 min'],
    [86400, '1 d'],
    [2 * 86400 + 3 * 3600 + 59, '2 d 3 h']
  ])('floors %p seconds to %p', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each([
    [0.2, '1 s'],
    [58.2, '59 s'],
    [59.2, '1 min'],
    [60, '1 min'],
    [61, '2 min'],
    [2880, '48 min'],
    [2879.5, '48 min'],
    [3599, '1 h'],
    [3601, '1 h 1 min']
  ])('ceils %p seconds to %p for countdowns', (seconds, text) => {
    expect(formatDuration(seconds, 'ceil')).toBe(text);
  });

  it('never shows a negative or invalid duration', () => {
    expect(formatDuration(-5)).toBe('0 s');
    expect(formatDuration(Number.NaN)).toBe('0 s');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('0 s');
  });
});

describe('formatClock', () => {
  it.each([
    [105, '1:45'],
    [104.2, '1:45'],
    [60, '1:00'],
    [59.001, '1:00'],
    [9, '0:09'],
    [0, '0:00'],
    [-3, '0:00'],
    [720, '12:00'],
    [3723, '1:02:03'],
    [Number.NaN, '0:00']
  ])('shows %p s as %p', (seconds, text) => {
    expect(formatClock(seconds)).toBe(text);
  });
});

describe('describeAction', () => {
  it('says what each action does', () => {
    expect(describeAction('delete-app', false)).toBe('delete this Studio app');
    expect(describeAction('stop-notebook-instance', false)).toBe(
      'stop this notebook instance'
    );
    expect(describeAction('stop-server', false)).toBe(
      'stop the Jupyter server'
    );
    expect(describeAction('dry-run', true)).toBe('only log it (dry run)');
  });

  it('marks a dry run of a real action', () => {
    expect(describeAction('delete-app', true)).toBe(
      'delete this Studio app (dry run: only logged)'
    );
  });

  it('shows an unknown action as it is', () => {
    expect(describeAction('hibernate', false)).toBe('hibernate');
  });
});

describe('describeLastActivity', () => {
  it("measures from the server's idle time, not the browser's clock", () => {
    expect(describeLastActivity(extrapolate(idleStatus(), 30))).toBe(
      'Last activity: kernel busy: Untitled.ipynb, 12 min ago.'
    );
    expect(
      describeLastActivity(extrapolate(idleStatus({ idle_seconds: 5 }), 2))
    ).toBe('Last activity: kernel busy: Untitled.ipynb, 7 s ago.');
  });

  it('says when nothing was ever recorded', () => {
    expect(
      describeLastActivity(
        extrapolate(
          idleStatus({ last_activity: null, last_activity_source: null }),
          0
        )
      )
    ).toBe('No activity recorded yet.');
  });
});

describe('formatStatus', () => {
  const view = (overrides = {}, elapsed = 0) =>
    extrapolate(idleStatus(overrides), elapsed);

  it('shows the idle time and the countdown', () => {
    const status = formatStatus(view(), null);
    expect(status.text).toBe('idle 12 min · stops in 48 min');
    expect(status.state).toBe('active');
    expect(status.title).toContain(
      'Last activity: kernel busy: Untitled.ipynb, 12 min ago.'
    );
    expect(status.title).toContain('At the timeout: delete this Studio app.');
  });

  it('counts seconds in the last minute', () => {
    const status = formatStatus(
      view({ state: 'warning', seconds_until_shutdown: 42 }),
      null
    );
    expect(status.text).toBe('idle 12 min · stops in 42 s');
    expect(status.state).toBe('warning');
    expect(status.title).toContain('Keep running');
  });

  it('says when the countdown is only a dry run', () => {
    const status = formatStatus(
      view({ action: 'dry-run', dry_run: true }),
      null
    );
    expect(status.text).toBe('idle 12 min · stops in 48 min (dry run)');
    expect(status.title).toContain('only log it (dry run)');
  });

  it('shows the states with no countdown', () => {
    expect(
      formatStatus(
        view({ state: 'disabled', seconds_until_shutdown: null }),
        null
      ).text
    ).toBe('idle shutdown disabled');
    expect(formatStatus(view({ state: 'shutting-down' }), null).text).toBe(
      'stopping…'
    );
    expect(
      formatStatus(
        view({ state: 'shut-down', seconds_until_shutdown: null }),
        null
      ).text
    ).toBe('stopped');
    expect(
      formatStatus(
        view({
          state: 'shut-down',
          dry_run: true,
          seconds_until_shutdown: null
        }),
        null
      ).text
    ).toBe('would have stopped (dry run)');
  });

  it('shortens a long error and keeps all of it in the tooltip', () => {
    const error =
      'AccessDenied: User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: sagemaker:DeleteApp';
    const status = formatStatus(view({ state: 'error', error }), null);
    expect(status.text.startsWith('cannot stop the app: AccessDenied')).toBe(
      true
    );
    expect(status.text.endsWith('…')).toBe(true);
    expect(status.text.length).toBeLessThan(80);
    expect(status.title).toContain(error);
    expect(status.state).toBe('error');
  });

  it('says when the server cannot be reached', () => {
    const status = formatStatus(view(), 'Network error');
    expect(status.text).toBe('idle shutdown: server unreachable');
    expect(status.state).toBe('unreachable');
    expect(status.title).toContain('Network error');
    expect(formatStatus(null, null).state).toBe('unreachable');
  });

  it('warns when the checker is not running', () => {
    const status = formatStatus(view({ checker_running: false }), null);
    expect(status.title).toContain('not running');
  });

  it('says when nothing was ever recorded', () => {
    const status = formatStatus(
      view({ last_activity: null, last_activity_source: null }),
      null
    );
    expect(status.title).toContain('No activity recorded yet.');
  });
});

describe('describeIdleAction', () => {
  it("prefers the server's own description", () => {
    expect(
      describeIdleAction(
        idleStatus({
          action_description:
            "delete the JupyterLab app 'default' of space 'demo-space'"
        })
      )
    ).toBe("delete the JupyterLab app 'default' of space 'demo-space'");
    expect(describeIdleAction(idleStatus())).toBe('delete this Studio app');
  });

  it('shows a notice that is not a failure in the tooltip', () => {
    const view = extrapolate(
      idleStatus({ error: 'could not save a.ipynb: shutdown postponed' }),
      0
    );
    const status = formatStatus(view, null);
    expect(status.state).toBe('active');
    expect(status.title).toContain(
      'Note: could not save a.ipynb: shutdown postponed'
    );
  });
});
