import { extrapolate } from '../countdown';
import { idleStatus } from './fixtures';

describe('extrapolate', () => {
  it('runs the clocks on from the last status', () => {
    const view = extrapolate(idleStatus(), 30);
    expect(view.idleSeconds).toBe(750);
    expect(view.secondsLeft).toBe(2850);
    expect(view.state).toBe('active');
  });

  it('ignores a clock that went back', () => {
    const view = extrapolate(idleStatus(), -100);
    expect(view.idleSeconds).toBe(720);
    expect(view.secondsLeft).toBe(2880);
  });

  it('enters the warning window before the server says so', () => {
    const idle = idleStatus({ seconds_until_shutdown: 310 });
    expect(extrapolate(idle, 9).state).toBe('active');
    expect(extrapolate(idle, 10).state).toBe('warning');
  });

  it('shows the shutdown when the countdown ends, never below zero', () => {
    const idle = idleStatus({ state: 'warning', seconds_until_shutdown: 5 });
    const view = extrapolate(idle, 60);
    expect(view.secondsLeft).toBe(0);
    expect(view.state).toBe('shutting-down');
  });

  it.each(['disabled', 'shutting-down', 'shut-down', 'error'] as const)(
    'does not count down in state %s',
    state => {
      const view = extrapolate(
        idleStatus({ state, seconds_until_shutdown: null }),
        1000
      );
      expect(view.state).toBe(state);
      expect(view.secondsLeft).toBeNull();
      expect(view.idleSeconds).toBe(1720);
    }
  );
});
