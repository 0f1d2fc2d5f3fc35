import { SuggestionsModel } from '../suggestions/model';
import { ISuggestion, ISuggestions } from '../api';
import { FakeClock, FakeServer, unpolled } from './costfixtures';

/**
 * An idle endpoint to delete: $0.23/h x 730 h.
 */
export function suggestion(overrides: Partial<ISuggestion> = {}): ISuggestion {
  return {
    id: 'idle-endpoint-0123456789abcdef',
    rule: 'idle-endpoint',
    severity: 'high',
    title: 'Delete idle endpoint demo-idle',
    detail: 'No invocations in the last 24 h.',
    saving_usd_per_month: 167.9,
    saving_note: null,
    saving_range_usd_per_month: null,
    arithmetic: '1 x ml.m5.large x $0.23/h x 730 h = $167.90/month',
    resource: {
      kind: 'endpoint',
      name: 'demo-idle',
      arn: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/demo-idle',
      console_url:
        'https://us-east-1.console.aws.amazon.com/sagemaker/home?region=us-east-1#/endpoints/demo-idle'
    },
    actions: [
      {
        id: 'delete-endpoint',
        label: 'Delete endpoint',
        description:
          'Deletes endpoint demo-idle; its config demo-idle-config is kept.'
      }
    ],
    docs_url:
      'https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints-delete-resources.html',
    warning: null,
    snippet: null,
    ...overrides
  };
}

/**
 * Spot training: only a range is known.
 */
export function spotSuggestion(
  overrides: Partial<ISuggestion> = {}
): ISuggestion {
  return suggestion({
    id: 'spot-training-fedcba9876543210',
    rule: 'spot-training',
    severity: 'medium',
    title: 'Use managed spot training for demo-resnet-train',
    detail: 'AWS states savings of up to 90% over on-demand.',
    saving_usd_per_month: null,
    saving_note: 'No spot history in this account: the range AWS states.',
    saving_range_usd_per_month: [0, 2513.03],
    arithmetic: '$3.825/h x 730 h x 0-90% = $0-$2,513.03/month',
    resource: {
      kind: 'training-job',
      name: 'demo-resnet-train',
      arn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/demo-resnet-train',
      console_url: null
    },
    actions: [],
    docs_url:
      'https://docs.aws.amazon.com/sagemaker/latest/dg/model-managed-spot-training.html',
    warning: 'This job has no CheckpointConfig: an interruption restarts it.',
    ...overrides
  });
}

/**
 * Inference Recommender: no figure, a snippet.
 */
export function unpricedSuggestion(
  overrides: Partial<ISuggestion> = {}
): ISuggestion {
  return suggestion({
    id: 'inference-recommender-00aa11bb22cc33dd',
    rule: 'inference-recommender',
    severity: 'low',
    title: 'Find a cheaper instance for demo-busy',
    detail: 'CPU stayed under 10% over 24 h.',
    saving_usd_per_month: null,
    saving_note: 'Inference Recommender prices the candidates.',
    saving_range_usd_per_month: null,
    arithmetic: '',
    actions: [],
    snippet:
      "import boto3\nboto3.client('sagemaker').create_inference_recommendations_job(...)",
    ...overrides
  });
}

/**
 * Missing tags: a form for their values.
 */
export function tagsSuggestion(
  overrides: Partial<ISuggestion> = {}
): ISuggestion {
  return suggestion({
    id: 'tags-4455667788990011',
    rule: 'tags',
    severity: 'low',
    title: 'Tag demo-resnet-train for cost allocation',
    detail: 'Missing tags: team, project.',
    saving_usd_per_month: null,
    saving_note: 'Tags save nothing by themselves: they show who spends.',
    arithmetic: '',
    actions: [
      {
        id: 'add-tags',
        label: 'Add tags',
        description: 'Adds the tags to training job demo-resnet-train.',
        fields: ['team', 'project']
      }
    ],
    ...overrides
  });
}

/**
 * A `GET suggestions` answer, with overrides.
 */
export function suggestions(
  overrides: Partial<ISuggestions> = {}
): ISuggestions {
  const items = overrides.suggestions ?? [suggestion(), spotSuggestion()];
  return {
    generated_at: '2026-11-26T16:20:00+00:00',
    state: 'ok',
    total_saving_usd_per_month: items.reduce(
      (sum, s) => sum + (s.saving_usd_per_month ?? 0),
      0
    ),
    problems: [],
    actions_allowed: true,
    ttl_seconds: 60,
    message: null,
    aws_busy: null,
    ...overrides,
    suggestions: items
  };
}

/**
 * A suggestions model on a fake server, not polling by itself.
 */
export function suggestionsModel(
  server: FakeServer,
  clock = new FakeClock(),
  options: Partial<SuggestionsModel.IOptions> = {}
): SuggestionsModel {
  return new SuggestionsModel({ ...unpolled(server, clock), ...options });
}
