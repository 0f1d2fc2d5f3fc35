import { ServerConnection } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

import { IdleModel } from '../idle/model';
import { IdleStatusItem, STATUS_ITEM_CLASS } from '../idle/statusbar';
import { IStatus } from '../api';
import { NOW, status } from './fixtures';

/**
 * A model whose server answers with `answers`, one per update.
 */
function modelWith(
  answers: Array<IStatus | Error>,
  clock: () => number = () => NOW
): IdleModel {
  const fetch = async () => {
    const next = answers.shift();
    if (next instanceof Error || next === undefined) {
      throw next ?? new Error('no more answers');
    }
    return new Response(JSON.stringify(next), { status: 200 });
  };
  return new IdleModel({
    serverSettings: ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: fetch as unknown as typeof window.fetch
    }),
    autoStart: false,
    clock
  });
}

describe('IdleStatusItem', () => {
  let item: IdleStatusItem;
  let model: IdleModel;

  afterEach(() => {
    item.dispose();
    model.dispose();
  });

  it('shows the countdown with a stable class and state', async () => {
    model = modelWith([status()]);
    item = new IdleStatusItem({ model, onActivate: () => {} });
    await model.update();
    expect(item.hasClass(STATUS_ITEM_CLASS)).toBe(true);
    expect(item.node.textContent).toBe('idle 12 min · stops in 48 min');
    expect(item.node.dataset.state).toBe('active');
    expect(item.node.title).toContain('kernel busy: Untitled.ipynb');
    expect(item.hasClass('jp-mod-warning')).toBe(false);
  });

  it('marks the warning and error states', async () => {
    model = modelWith([
      status({ state: 'warning', seconds_until_shutdown: 120 }),
      new Error('Network error')
    ]);
    item = new IdleStatusItem({ model, onActivate: () => {} });
    await model.update();
    expect(item.node.dataset.state).toBe('warning');
    expect(item.hasClass('jp-mod-warning')).toBe(true);
    await model.update().catch(() => undefined);
    expect(item.node.dataset.state).toBe('unreachable');
    expect(item.hasClass('jp-mod-warning')).toBe(false);
    expect(item.hasClass('jp-mod-error')).toBe(true);
  });

  it('activates on click and on Enter, once attached', async () => {
    model = modelWith([status()]);
    const onActivate = jest.fn();
    item = new IdleStatusItem({ model, onActivate });
    Widget.attach(item, document.body);
    item.node.click();
    item.node.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    item.node.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    expect(onActivate).toHaveBeenCalledTimes(2);
    Widget.detach(item);
  });

  it('ticks every second without asking the server', async () => {
    jest.useFakeTimers();
    let now = NOW;
    model = modelWith([status({ seconds_until_shutdown: 62 })], () => now);
    const update = jest.spyOn(model, 'update');
    item = new IdleStatusItem({ model, onActivate: () => {} });
    Widget.attach(item, document.body);
    await model.update();
    expect(item.node.textContent).toContain('stops in 2 min');
    now += 3000;
    jest.advanceTimersByTime(1000);
    expect(item.node.textContent).toContain('stops in 59 s');
    expect(update).toHaveBeenCalledTimes(1);
    Widget.detach(item);
    jest.useRealTimers();
  });
});
