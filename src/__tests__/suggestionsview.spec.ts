import {
  acceptDialog,
  dismissDialog,
  waitForDialog
} from '@jupyterlab/testing';

import { badgeLabel } from '../format';
import {
  describeBudgetOutlook,
  describeBudgetSaving,
  describeConfirmation,
  describeSaving,
  describeSavingsTotal,
  resourceLabel
} from '../suggestions/format';
import { SuggestionsModel } from '../suggestions/model';
import { SuggestionsView } from '../suggestions/view';
import { ISuggestion } from '../api';
import { FakeServer, settle } from './costfixtures';
import {
  spotSuggestion,
  suggestion,
  suggestions,
  suggestionsModel,
  tagsSuggestion,
  unpricedSuggestion
} from './suggestionsfixtures';

describe('suggestion texts', () => {
  it('shows a figure, a range, or "not priced" with the reason', () => {
    expect(describeSaving(suggestion())).toEqual({
      text: '$168/month',
      title: '1 x ml.m5.large x $0.23/h x 730 h = $167.90/month',
      state: 'priced'
    });
    expect(
      describeSaving(suggestion({ saving_usd_per_month: 42.5 })).text
    ).toBe('$42.50/month');
    expect(
      describeSaving(
        spotSuggestion({ saving_range_usd_per_month: [12.5, 108] })
      ).text
    ).toBe('$12.50–$108/month');
    expect(describeSaving(spotSuggestion())).toEqual({
      text: 'up to $2,513/month',
      title: 'No spot history in this account: the range AWS states.',
      state: 'range'
    });
    expect(describeSaving(unpricedSuggestion())).toEqual({
      text: 'not priced',
      title: 'Inference Recommender prices the candidates.',
      state: 'unpriced'
    });
  });

  it('says what could be saved, and counts', () => {
    expect(describeSavingsTotal(2, 1234.5)).toBe('You could save $1,235/month');
    expect(describeSavingsTotal(3, 0)).toBe('3 ways to spend less');
    expect(describeSavingsTotal(1, 0)).toBe('1 way to spend less');
    expect(describeSavingsTotal(0, 0)).toBe('No savings found');
    expect(badgeLabel(1)).toBe('1 savings suggestion');
    expect(badgeLabel(4)).toBe('4 savings suggestions');
  });

  it('names the resource, what will happen and the figure before an action', () => {
    const s = suggestion();
    expect(describeConfirmation(s, s.actions[0])).toEqual({
      title: 'Delete endpoint',
      lines: [
        'Resource: Endpoint demo-idle',
        'Deletes endpoint demo-idle; its config demo-idle-config is kept.',
        'Saving: $168/month'
      ],
      destructive: true
    });
    const tags = tagsSuggestion();
    expect(describeConfirmation(tags, tags.actions[0]).destructive).toBe(false);
    const plan = suggestion({
      resource: {
        kind: 'account',
        name: '123456789012',
        arn: null,
        console_url: null
      }
    });
    expect(resourceLabel(plan)).toBe('Account 123456789012');
  });
});

/** `GET suggestions`' budget over the month's budget: the first suggestion is enough. */
const OVER_BUDGET = {
  state: 'over',
  budget_usd: 100,
  projected_usd: 130,
  over_by_usd: 30,
  saving_to_month_end_usd: 44.75,
  projected_with_all_usd: 85.25,
  suggestions_needed: 1
};

describe('the monthly budget outlook', () => {
  const over = { ...OVER_BUDGET, suggestions_needed: 2 };

  it('counts the suggestions that bring it under, says when none can, and when it stays under', () => {
    expect(describeBudgetOutlook(over)).toBe(
      'This month is projected at $130, over your $100 budget; the first 2 suggestions bring it under.'
    );
    expect(
      describeBudgetOutlook({
        ...over,
        suggestions_needed: null,
        projected_with_all_usd: 112
      })
    ).toBe(
      'This month is projected at $130, over your $100 budget; with every suggestion here, $112: still over.'
    );
    expect(
      describeBudgetOutlook({
        ...over,
        state: 'near',
        projected_usd: 95,
        over_by_usd: -5,
        suggestions_needed: null
      })
    ).toBe(
      'This month is projected at $95.00 of your $100 budget; these suggestions save $44.75 by its end.'
    );
    expect(describeBudgetOutlook(null)).toBe('');
    expect(describeBudgetOutlook(undefined)).toBe('');
    expect(describeBudgetOutlook({ ...over, projected_usd: NaN })).toBe('');
  });

  it("gives a card's saving to the month's end only when the server sends it", () => {
    expect(describeBudgetSaving(suggestion())).toBe('');
    expect(
      describeBudgetSaving(suggestion({ saving_to_month_end_usd: null }))
    ).toBe('');
    expect(
      describeBudgetSaving(suggestion({ saving_to_month_end_usd: 12 }))
    ).toBe("Saves $12.00 by the month's end.");
  });
});

describe('SuggestionsView', () => {
  let model: SuggestionsModel;
  let view: SuggestionsView;

  function make(
    server: FakeServer,
    options: Partial<SuggestionsView.IOptions> = {}
  ) {
    model = suggestionsModel(server);
    view = new SuggestionsView({ model, ...options });
    document.body.append(view.node);
    return view;
  }

  afterEach(async () => {
    // A dialog left open by a failed test.
    await dismissDialog(document.body, 10);
    view.node.remove();
    view.dispose();
    model.dispose();
  });

  const cards = () =>
    Array.from(
      view.node.querySelectorAll<HTMLElement>(
        '[data-testid="smcost-suggestion"]'
      )
    );
  const part = (card: HTMLElement, id: string) =>
    card.querySelector<HTMLElement>(`[data-testid="smcost-suggestion-${id}"]`)!;
  const byId = (id: string) =>
    view.node.querySelector<HTMLElement>(`[data-testid="${id}"]`)!;

  it('says it is looking before the first answer', () => {
    make(new FakeServer());
    expect(byId('smcost-savings-total').textContent).toBe('Savings');
    expect(byId('smcost-savings-message').textContent).toBe(
      'Looking for savings…'
    );
    expect(byId('smcost-savings-status').dataset.state).toBe('loading');
    expect(cards()).toHaveLength(0);
  });

  it('renders the cards: figure, range, unpriced, warning, snippet, docs', async () => {
    const server = new FakeServer({
      suggestions: [
        suggestions({
          suggestions: [suggestion(), spotSuggestion(), unpricedSuggestion()]
        })
      ]
    });
    make(server);
    await model.update();
    expect(byId('smcost-savings-total').textContent).toBe(
      'You could save $168/month'
    );
    expect(byId('smcost-savings-status').hidden).toBe(true);
    const [endpoint, spot, unpriced] = cards();
    expect(cards()).toHaveLength(3);

    expect(endpoint.dataset.rule).toBe('idle-endpoint');
    expect(endpoint.dataset.severity).toBe('high');
    expect(endpoint.getAttribute('aria-labelledby')).toBe(
      part(endpoint, 'title').id
    );
    expect(part(endpoint, 'title').textContent).toBe(
      'Delete idle endpoint demo-idle'
    );
    expect(part(endpoint, 'saving').textContent).toBe('$168/month');
    expect(part(endpoint, 'saving').dataset.saving).toBe('priced');
    const resource = part(endpoint, 'resource').querySelector('a')!;
    expect(resource.textContent).toBe('Endpoint demo-idle');
    expect(resource.target).toBe('_blank');
    // The arithmetic on expand.
    const arithmetic = part(endpoint, 'arithmetic') as HTMLDetailsElement;
    expect(arithmetic.tagName).toBe('DETAILS');
    expect(arithmetic.open).toBe(false);
    expect(arithmetic.querySelector('summary')!.textContent).toBe(
      'Details and calculation'
    );
    // The detail and the calculation are in the disclosure.
    expect(arithmetic.contains(part(endpoint, 'detail'))).toBe(true);
    expect(part(endpoint, 'detail').textContent).toBe(
      'No invocations in the last 24 h.'
    );
    expect(part(endpoint, 'calculation').textContent).toBe(
      'Calculation: 1 x ml.m5.large x $0.23/h x 730 h = $167.90/month'
    );
    const action = part(endpoint, 'action') as HTMLButtonElement;
    expect(action.tagName).toBe('BUTTON');
    expect(action.textContent).toBe('Delete endpoint');
    expect(action.dataset.action).toBe('delete-endpoint');
    expect(part(endpoint, 'dismiss').getAttribute('aria-label')).toBe(
      'Dismiss: Delete idle endpoint demo-idle'
    );
    const docs = part(endpoint, 'docs') as HTMLAnchorElement;
    expect(docs.href).toBe(suggestion().docs_url);
    expect(docs.rel).toBe('noopener noreferrer');
    expect(part(endpoint, 'warning').hidden).toBe(true);
    expect(part(endpoint, 'snippet').hidden).toBe(true);
    expect(part(endpoint, 'close').hidden).toBe(true);

    expect(part(spot, 'saving').textContent).toBe('up to $2,513/month');
    expect(part(spot, 'saving').dataset.saving).toBe('range');
    expect(part(spot, 'note').textContent).toBe(
      'No spot history in this account: the range AWS states.'
    );
    expect(part(spot, 'warning').textContent).toBe(
      'This job has no CheckpointConfig: an interruption restarts it.'
    );
    expect(part(spot, 'warning').hidden).toBe(false);
    // No console link: the name only.
    expect(part(spot, 'resource').textContent).toBe(
      'Training job demo-resnet-train'
    );
    expect(part(spot, 'resource').querySelector('a')).toBeNull();
    expect(
      spot.querySelector('[data-testid="smcost-suggestion-action"]')
    ).toBeNull();

    expect(part(unpriced, 'saving').textContent).toBe('not priced');
    expect(part(unpriced, 'saving').dataset.saving).toBe('unpriced');
    expect(part(unpriced, 'note').textContent).toBe(
      'Inference Recommender prices the candidates.'
    );
    // A detail, no calculation.
    expect(part(unpriced, 'arithmetic').hidden).toBe(false);
    expect(part(unpriced, 'calculation').hidden).toBe(true);
    const snippet = part(unpriced, 'snippet');
    expect(snippet.hidden).toBe(false);
    expect(snippet.querySelector('pre > code')!.textContent).toBe(
      unpricedSuggestion().snippet
    );
    expect(part(unpriced, 'copy').textContent).toBe('Copy');
  });

  it('copies a snippet', async () => {
    const writeText = jest.fn(async (text: string) => undefined);
    Object.assign(navigator, { clipboard: { writeText } });
    const server = new FakeServer({
      suggestions: [suggestions({ suggestions: [unpricedSuggestion()] })]
    });
    make(server);
    await model.update();
    const copy = part(cards()[0], 'copy');
    copy.click();
    await settle();
    expect(writeText).toHaveBeenCalledWith(unpricedSuggestion().snippet);
    expect(copy.textContent).toBe('Copied');
    Object.assign(navigator, { clipboard: undefined });
  });

  it('shows the top three, and the rest on "Show all"', async () => {
    const many: ISuggestion[] = [0, 1, 2, 3, 4].map(i =>
      suggestion({
        id: `idle-endpoint-${i}`,
        title: `Delete idle endpoint ep-${i}`,
        saving_usd_per_month: 100 - i
      })
    );
    make(new FakeServer({ suggestions: [suggestions({ suggestions: many })] }));
    await model.update();
    const shown = () => cards().filter(c => !c.hidden);
    expect(cards()).toHaveLength(5);
    expect(shown()).toHaveLength(3);
    const more = byId('smcost-suggestions-more') as HTMLButtonElement;
    expect(more.hidden).toBe(false);
    expect(more.textContent).toBe('Show all 5 suggestions');
    expect(more.getAttribute('aria-expanded')).toBe('false');
    expect(more.getAttribute('aria-controls')).toBe(
      byId('smcost-suggestions').id
    );
    more.click();
    expect(shown()).toHaveLength(5);
    expect(more.textContent).toBe('Show fewer');
    expect(more.getAttribute('aria-expanded')).toBe('true');
    more.click();
    expect(shown()).toHaveLength(3);
  });

  it('asks before an action and posts nothing when cancelled', async () => {
    const server = new FakeServer({
      suggestions: [suggestions()],
      actions: [{ ok: true, message: 'Deleted.' }]
    });
    make(server);
    await model.update();
    const card = cards()[0];
    part(card, 'action').click();
    await waitForDialog();
    const dialog = document.querySelector('.jp-Dialog')!;
    expect(dialog.querySelector('.jp-Dialog-header')!.textContent).toBe(
      'Delete endpoint'
    );
    const body = dialog.querySelector('[data-testid="smcost-confirm"]')!;
    expect(
      Array.from(body.querySelectorAll('p')).map(p => p.textContent)
    ).toEqual([
      'Resource: Endpoint demo-idle',
      'Deletes endpoint demo-idle; its config demo-idle-config is kept.',
      'Saving: $168/month'
    ]);
    // A destructive action is a warning button.
    expect(dialog.querySelector('button.jp-mod-warn')!.textContent).toBe(
      'Delete endpoint'
    );
    await dismissDialog();
    await settle(20);
    expect(server.count('actions')).toBe(0);
    expect(part(card, 'result').hidden).toBe(true);
  });

  it('posts the action with confirm true once accepted, and shows the result in place', async () => {
    const message =
      'Deleted endpoint demo-idle. Recreate it with create_endpoint(EndpointName="demo-idle", EndpointConfigName="demo-idle-config").';
    const server = new FakeServer({
      suggestions: [
        suggestions(),
        suggestions({ suggestions: [spotSuggestion()] })
      ],
      actions: [
        {
          ok: true,
          message,
          suggestion_id: suggestion().id,
          action_id: 'delete-endpoint'
        }
      ]
    });
    make(server);
    await model.update();
    const card = cards()[0];
    const action = part(card, 'action');
    action.focus();
    action.click();
    expect(server.count('actions')).toBe(0);
    await acceptDialog();
    await settle(50);
    const post = server.calls.find(c => c.path === 'actions')!;
    expect(JSON.parse(post.body)).toEqual({
      suggestion_id: suggestion().id,
      action_id: 'delete-endpoint',
      confirm: true
    });
    // The suggestion is gone from the server's list; its card stays with
    // the result until closed.
    expect(server.count('suggestions')).toBe(2);
    expect(model.count).toBe(1);
    expect(cards()[0]).toBe(card);
    expect(card.dataset.done).toBe('true');
    const result = part(card, 'result');
    expect(result.hidden).toBe(false);
    expect(result.dataset.state).toBe('ok');
    expect(result.textContent).toBe(message);
    expect(result.getAttribute('role')).toBe('status');
    expect(
      card.querySelector('[data-testid="smcost-suggestion-action"]')
    ).toBeNull();
    const close = part(card, 'close');
    expect(close.hidden).toBe(false);
    close.click();
    expect(cards().map(c => c.dataset.rule)).toEqual(['spot-training']);
  });

  it.each([
    [409, 'the resource changed since the suggestion: refresh'],
    [403, 'actions are turned off by your administrator'],
    [502, 'AWS refused: not authorized to perform sagemaker:DeleteEndpoint']
  ])('shows a refusal (%s) in place on the card', async (status, message) => {
    const server = new FakeServer({
      suggestions: [suggestions()],
      actions: [status]
    });
    server.fetch = Private.withMessage(server, 'actions', status, message);
    make(server);
    await model.update();
    const card = cards()[0];
    part(card, 'action').click();
    await acceptDialog();
    await settle(50);
    const result = part(card, 'result');
    expect(result.dataset.state).toBe('error');
    expect(result.dataset.status).toBe(String(status));
    expect(result.textContent).toBe(message);
    // Still there, to try again or dismiss.
    expect(card.dataset.done).toBe('false');
    expect(part(card, 'action').getAttribute('aria-disabled')).toBeNull();
  });

  it('asks for the tag values and sends them', async () => {
    const server = new FakeServer({
      suggestions: [suggestions({ suggestions: [tagsSuggestion()] })],
      actions: [{ ok: true, message: 'Added 2 tags to demo-resnet-train.' }]
    });
    make(server);
    await model.update();
    const card = cards()[0];
    part(card, 'action').click();
    await waitForDialog();
    const inputs = Array.from(
      document.querySelectorAll<HTMLInputElement>(
        '.jp-Dialog [data-testid="smcost-confirm-field"]'
      )
    );
    expect(inputs.map(i => i.dataset.key)).toEqual(['team', 'project']);
    const labels = Array.from(
      document.querySelectorAll<HTMLLabelElement>('.jp-Dialog label')
    );
    expect(labels.map(l => [l.textContent, l.htmlFor])).toEqual([
      ['team', inputs[0].id],
      ['project', inputs[1].id]
    ]);
    // The first field has the focus.
    expect(document.activeElement).toBe(inputs[0]);
    inputs[0].value = 'ml-platform';
    inputs[1].value = ' churn ';
    await acceptDialog();
    await settle(50);
    const post = server.calls.find(c => c.path === 'actions')!;
    expect(JSON.parse(post.body)).toEqual({
      suggestion_id: tagsSuggestion().id,
      action_id: 'add-tags',
      confirm: true,
      values: { team: 'ml-platform', project: 'churn' }
    });
    expect(part(card, 'result').textContent).toBe(
      'Added 2 tags to demo-resnet-train.'
    );
  });

  it('posts no tags with an empty value', async () => {
    const server = new FakeServer({
      suggestions: [suggestions({ suggestions: [tagsSuggestion()] })],
      actions: [{ ok: true, message: 'Added.' }]
    });
    make(server);
    await model.update();
    const card = cards()[0];
    part(card, 'action').click();
    await waitForDialog();
    document.querySelector<HTMLInputElement>(
      '.jp-Dialog [data-testid="smcost-confirm-field"]'
    )!.value = 'ml';
    await acceptDialog();
    await settle(20);
    expect(server.count('actions')).toBe(0);
    expect(part(card, 'result').textContent).toBe(
      'Enter a value for each tag.'
    );
  });

  it('dismisses through the route, moving the focus to the next card', async () => {
    const id = suggestion().id;
    const server = new FakeServer({
      suggestions: [suggestions()],
      [`suggestions/${id}/dismiss`]: [{ dismissed: id, until: null }]
    });
    make(server);
    await model.update();
    const [first, second] = cards();
    const dismiss = part(first, 'dismiss');
    dismiss.focus();
    dismiss.click();
    expect(cards()).toEqual([second]);
    expect(document.activeElement).toBe(second);
    await settle(20);
    expect(server.calls.find(c => c.path.endsWith('/dismiss'))).toEqual({
      path: `suggestions/${id}/dismiss`,
      method: 'POST',
      body: '{}'
    });
    expect(byId('smcost-savings-total').textContent).toBe(
      '1 way to spend less'
    );
  });

  it('lets a long code or URL wrap after its punctuation, never between letters', async () => {
    const long =
      "Recreate it with create_endpoint(EndpointName='demo-idle-endpoint', " +
      "EndpointConfigName='demo-idle-endpoint-config'); see " +
      'https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html';
    const server = new FakeServer({
      suggestions: [
        suggestions({ suggestions: [suggestion({ detail: long })] })
      ]
    });
    make(server);
    await model.update();
    const detail = part(cards()[0], 'detail');
    // The text is unchanged; the break points sit after punctuation only.
    expect(detail.textContent).toBe(long);
    const wbrs = Array.from(detail.querySelectorAll('wbr'));
    expect(wbrs.length).toBeGreaterThan(5);
    for (const wbr of wbrs) {
      const before = wbr.previousSibling?.textContent ?? '';
      expect(before.slice(-1)).toMatch(/[/.:=(,]/);
    }
  });

  it('undoes a dismissal through DELETE, and the card comes back', async () => {
    const id = suggestion().id;
    const server = new FakeServer({
      suggestions: [suggestions()],
      [`suggestions/${id}/dismiss`]: [
        { dismissed: id, until: null },
        { restored: id, was_dismissed: true }
      ]
    });
    make(server);
    await model.update();
    const title = suggestion().title;
    part(cards()[0], 'dismiss').click();
    await settle(20);
    const undo = byId('smcost-savings-undo');
    expect(undo.hidden).toBe(false);
    expect(undo.textContent).toContain(`Dismissed “${title}”.`);
    expect(cards().map(c => c.dataset.id)).not.toContain(id);
    byId('smcost-savings-undo-button').click();
    await settle(20);
    const calls = server.calls.filter(c => c.path.endsWith('/dismiss'));
    expect(calls.map(c => c.method)).toEqual(['POST', 'DELETE']);
    expect(undo.hidden).toBe(true);
    expect(cards().map(c => c.dataset.id)).toContain(id);
  });

  it('says so on the card when the dismissal fails', async () => {
    const id = suggestion().id;
    const server = new FakeServer({
      suggestions: [suggestions()],
      [`suggestions/${id}/dismiss`]: [500]
    });
    make(server);
    await model.update();
    part(cards()[0], 'dismiss').click();
    await settle(20);
    const card = cards()[0];
    expect(card.dataset.id).toBe(id);
    expect(part(card, 'result').textContent).toBe(
      'Could not dismiss: HTTP 500'
    );
  });

  it('lists the checks that could not run, collapsed', async () => {
    const server = new FakeServer({
      suggestions: [
        suggestions({
          state: 'partial',
          problems: [
            {
              rule: 'idle-endpoint',
              source: 'cloudwatch',
              code: 'permission',
              message: 'no permission to read endpoint metrics',
              action: 'cloudwatch:GetMetricData'
            },
            {
              rule: 'savings-plan',
              source: 'ce',
              code: 'permission',
              message:
                'no permission for ce:GetSavingsPlansPurchaseRecommendation',
              action: 'ce:GetSavingsPlansPurchaseRecommendation'
            }
          ]
        })
      ]
    });
    make(server);
    await model.update();
    const problems = byId('smcost-suggestions-problems') as HTMLDetailsElement;
    expect(problems.tagName).toBe('DETAILS');
    expect(problems.open).toBe(false);
    expect(problems.hidden).toBe(false);
    expect(problems.querySelector('summary')!.textContent).toBe(
      '2 checks could not run'
    );
    expect(
      Array.from(problems.querySelectorAll('li')).map(li => li.textContent)
    ).toEqual([
      'idle-endpoint: no permission to read endpoint metrics (cloudwatch:GetMetricData)',
      // The IAM action is in the message already: not twice.
      'savings-plan: no permission for ce:GetSavingsPlansPurchaseRecommendation'
    ]);
    // A long IAM action wraps between its words only.
    const code = problems.querySelector('code')!;
    expect(code.innerHTML).toBe('cloudwatch:<wbr>Get<wbr>Metric<wbr>Data');
  });

  it('says, near or over the monthly budget, what each saves by the month end and how many bring it under', async () => {
    const under = suggestion({
      saving_to_month_end_usd: 41.5,
      brings_under_budget: true
    });
    const small = spotSuggestion({
      saving_to_month_end_usd: 3.25,
      brings_under_budget: false
    });
    const server = new FakeServer({
      suggestions: [
        suggestions({ suggestions: [under, small], budget: OVER_BUDGET })
      ]
    });
    make(server);
    await model.update();
    expect(byId('smcost-savings-budget').hidden).toBe(false);
    expect(byId('smcost-savings-budget').textContent).toBe(
      'This month is projected at $130, over your $100 budget; the first suggestion brings it under.'
    );
    const [first, second] = cards();
    expect(part(first, 'budget').textContent).toBe(
      "Saves $41.50 by the month's end; alone, it brings this month under your budget."
    );
    expect(first.dataset.bringsUnderBudget).toBe('true');
    expect(part(second, 'budget').textContent).toBe(
      "Saves $3.25 by the month's end."
    );
    expect(second.dataset.bringsUnderBudget).toBeUndefined();
  });

  it('shows no budget lines without an outlook from the server', async () => {
    make(new FakeServer({ suggestions: [suggestions()] }));
    await model.update();
    expect(byId('smcost-savings-budget').hidden).toBe(true);
    for (const card of cards()) {
      expect(part(card, 'budget').hidden).toBe(true);
    }
  });

  it('hides the actions when the administrator turned them off', async () => {
    make(
      new FakeServer({
        suggestions: [suggestions({ actions_allowed: false })]
      })
    );
    await model.update();
    expect(
      view.node.querySelectorAll('[data-testid="smcost-suggestion-action"]')
    ).toHaveLength(0);
    expect(byId('smcost-savings-note').hidden).toBe(false);
    expect(part(cards()[0], 'dismiss').hidden).toBe(false);
  });

  it('says when suggestions are not available, and hides when off', async () => {
    make(
      new FakeServer({
        suggestions: [
          suggestions({
            state: 'unavailable',
            suggestions: [],
            message: 'No region: set AWS_DEFAULT_REGION.'
          }),
          suggestions({ state: 'disabled', suggestions: [] })
        ]
      })
    );
    await model.update();
    expect(byId('smcost-savings-status').dataset.state).toBe('unavailable');
    expect(byId('smcost-savings-message').textContent).toBe(
      'No region: set AWS_DEFAULT_REGION.'
    );
    await model.update();
    expect(view.node.hidden).toBe(true);
  });

  it('says AWS is busy with the time of the suggestions, and not once it is over', async () => {
    const generatedAt = '2026-11-26T14:02:00+00:00';
    const busy = {
      since: '2026-11-26T16:10:00+00:00',
      until: '2026-11-26T16:25:00+00:00'
    };
    make(
      new FakeServer({
        suggestions: [
          suggestions({ generated_at: generatedAt, aws_busy: busy }),
          suggestions({ generated_at: generatedAt, aws_busy: null })
        ]
      })
    );
    const note = byId('smcost-savings-aws-busy');
    expect(note.hidden).toBe(true); // nothing to say before the first answer
    await model.update();
    const at = new Date(Date.parse(generatedAt)).toLocaleTimeString([], {
      hour: '2-digit',
      minute: '2-digit'
    });
    expect(note.hidden).toBe(false);
    expect(note.textContent).toBe(`AWS is busy; figures as of ${at}`);
    expect(note.getAttribute('role')).toBe('status');
    expect(note.classList.contains('jp-smcost-busy')).toBe(true);
    expect(cards()).toHaveLength(2); // the last suggestions stay
    await model.update();
    expect(note.hidden).toBe(true);
    expect(note.textContent).toBe('');
  });

  it('keeps the cards (and an open disclosure) across polls', async () => {
    make(new FakeServer({ suggestions: [suggestions()] }));
    await model.update();
    const card = cards()[0];
    (part(card, 'arithmetic') as HTMLDetailsElement).open = true;
    await model.update();
    expect(cards()[0]).toBe(card);
    expect((part(card, 'arithmetic') as HTMLDetailsElement).open).toBe(true);
  });
});

namespace Private {
  /**
   * Answer an end point with a status and a message of our own.
   */
  export function withMessage(
    server: FakeServer,
    path: string,
    status: number,
    message: string
  ): FakeServer['fetch'] {
    const fetch = server.fetch;
    return async (request: Request) => {
      if (new URL(request.url).pathname.endsWith(`/${path}`)) {
        server.requests.push(path);
        return new Response(JSON.stringify({ message }), { status });
      }
      return fetch(request);
    };
  }
}
