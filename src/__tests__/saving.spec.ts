import { ServerConnection } from '@jupyterlab/services';

import { IdleModel } from '../idle/model';
import {
  findUnsavedDocuments,
  saveBudgetMs,
  saveDocuments,
  SaveResponder
} from '../idle/saving';
import { ISaveAck } from '../api';
import { status } from './fixtures';

/**
 * A document widget's context, as far as saving goes.
 */
class FakeContext {
  constructor(
    public path: string,
    dirty = true,
    public saveWith: () => Promise<void> = async () => undefined
  ) {
    this.model = { dirty };
  }
  model: { dirty: boolean };
  isReady = true;
  saves = 0;
  async save(): Promise<void> {
    this.saves++;
    await this.saveWith();
    this.model.dirty = false;
  }
}

/**
 * A widget showing a document.
 */
function widget(context: FakeContext): { context: FakeContext } {
  return { context };
}

describe('findUnsavedDocuments', () => {
  it('finds the dirty documents, each once', () => {
    const a = new FakeContext('a.ipynb');
    const b = new FakeContext('dir/b.txt');
    const clean = new FakeContext('clean.py', false);
    const found = findUnsavedDocuments([
      widget(a),
      widget(clean),
      // A second view of the same document.
      widget(a),
      widget(b),
      // Widgets without a document.
      { title: 'Launcher' },
      { context: { path: 'not a context' } },
      null
    ]);
    expect(found.map(d => d.path)).toEqual(['a.ipynb', 'dir/b.txt']);
  });

  it('prefers the local path of a document on another drive', () => {
    const context = Object.assign(new FakeContext('RTC:a.ipynb'), {
      localPath: 'a.ipynb'
    });
    expect(findUnsavedDocuments([widget(context)])[0].path).toBe('a.ipynb');
  });

  it('skips a document that is not ready', () => {
    const context = new FakeContext('a.ipynb');
    context.isReady = false;
    expect(findUnsavedDocuments([widget(context)])).toEqual([]);
  });
});

describe('saveDocuments', () => {
  it('saves every document and says which', async () => {
    const a = new FakeContext('a.ipynb');
    const b = new FakeContext('b.ipynb');
    const result = await saveDocuments(
      findUnsavedDocuments([widget(a), widget(b)])
    );
    expect(result).toEqual({ saved: ['a.ipynb', 'b.ipynb'], failed: [] });
    expect(a.model.dirty).toBe(false);
    expect(b.saves).toBe(1);
  });

  it('reports a failing save with its reason, and saves the others', async () => {
    const failing = new FakeContext('gone/a.ipynb', true, async () => {
      throw new Error('No such file or directory');
    });
    const throwing = new FakeContext('c.ipynb', true, () => {
      throw 'refused';
    });
    const fine = new FakeContext('b.ipynb');
    const result = await saveDocuments(
      findUnsavedDocuments([widget(failing), widget(throwing), widget(fine)])
    );
    expect(result.saved).toEqual(['b.ipynb']);
    expect(result.failed).toEqual([
      { path: 'gone/a.ipynb', error: 'No such file or directory' },
      { path: 'c.ipynb', error: 'refused' }
    ]);
  });

  it('does not wait forever for a save that hangs on a dialog', async () => {
    jest.useFakeTimers();
    try {
      const hanging = new FakeContext(
        'a.ipynb',
        true,
        () => new Promise<void>(() => undefined)
      );
      const fine = new FakeContext('b.ipynb');
      const done = saveDocuments(
        findUnsavedDocuments([widget(hanging), widget(fine)]),
        8000
      );
      await jest.advanceTimersByTimeAsync(7999);
      let settled = false;
      void done.then(() => (settled = true));
      await Promise.resolve();
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      const result = await done;
      expect(result.saved).toEqual(['b.ipynb']);
      expect(result.failed).toEqual([
        {
          path: 'a.ipynb',
          error: 'not saved after 8 s (a dialog may be waiting for an answer)'
        }
      ]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('has nothing to do without documents', async () => {
    expect(await saveDocuments([])).toEqual({ saved: [], failed: [] });
  });
});

describe('saveBudgetMs', () => {
  const request = (seconds: number) => ({
    id: 'r',
    requested_at: '2026-11-26T16:20:00+00:00',
    deadline: new Date(
      Date.parse('2026-11-26T16:20:00+00:00') + seconds * 1000
    ).toISOString()
  });

  it("answers before the server's deadline, from the server's times", () => {
    expect(saveBudgetMs(request(30))).toBe(10_000);
    expect(saveBudgetMs(request(10))).toBe(8000);
    expect(saveBudgetMs(request(2))).toBe(1000);
  });

  it('falls back to the longest wait on odd times', () => {
    expect(saveBudgetMs({ ...request(10), deadline: 'soon' })).toBe(10_000);
    expect(saveBudgetMs(request(-5))).toBe(10_000);
  });
});

describe('SaveResponder', () => {
  function model(): IdleModel {
    const fetch = async () => new Response(JSON.stringify(status()));
    return new IdleModel({
      serverSettings: ServerConnection.makeSettings({
        baseUrl: 'http://localhost:8888/',
        fetch: fetch as unknown as typeof window.fetch
      }),
      autoStart: false,
      clientId: 'tab-1'
    });
  }

  it('saves and answers each save request', async () => {
    const idle = model();
    const a = new FakeContext('a.ipynb');
    const failing = new FakeContext('b.ipynb', true, async () => {
      throw new Error('disk full');
    });
    const acks: ISaveAck[] = [];
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const responder = new SaveResponder({
      model: idle,
      widgets: () => [widget(a), widget(failing)],
      ack: async answer => {
        acks.push(answer);
      }
    });
    idle.handleEvent({
      schema_id: 'https://schema.jupyter.org/jupyter_smcost/idle/v1',
      __timestamp__: '2026-11-26T16:20:00+00:00',
      kind: 'save-request',
      state: 'shutting-down',
      seconds_until_shutdown: null,
      deadline: null,
      last_activity: null,
      last_activity_source: null,
      error: null,
      request_id: 'r1',
      save_deadline: '2026-11-26T16:20:30+00:00',
      config_version: 'v1'
    });
    await responder.done;
    expect(acks).toEqual([
      {
        request_id: 'r1',
        client_id: 'tab-1',
        saved: ['a.ipynb'],
        failed: [{ path: 'b.ipynb', error: 'disk full' }]
      }
    ]);
    warn.mockRestore();
    responder.dispose();
    idle.dispose();
  });

  it('answers even with nothing to save, and survives a refused answer', async () => {
    const idle = model();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const responder = new SaveResponder({
      model: idle,
      widgets: () => [],
      ack: () => Promise.reject(new Error('409 no such save request'))
    });
    const answer = await responder.respond({
      id: 'r2',
      requested_at: '2026-11-26T16:20:00+00:00',
      deadline: '2026-11-26T16:20:30+00:00'
    });
    expect(answer).toEqual({
      request_id: 'r2',
      client_id: 'tab-1',
      saved: [],
      failed: []
    });
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
    responder.dispose();
    idle.dispose();
  });

  it('answers when the widgets cannot be listed', async () => {
    const idle = model();
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    const acks: ISaveAck[] = [];
    const responder = new SaveResponder({
      model: idle,
      widgets: () => {
        throw new Error('no shell');
      },
      ack: async answer => {
        acks.push(answer);
      }
    });
    await responder.respond({
      id: 'r3',
      requested_at: '2026-11-26T16:20:00+00:00',
      deadline: '2026-11-26T16:20:30+00:00'
    });
    expect(acks).toHaveLength(1);
    expect(error).toHaveBeenCalled();
    error.mockRestore();
    responder.dispose();
    expect(responder.isDisposed).toBe(true);
    idle.dispose();
  });
});
