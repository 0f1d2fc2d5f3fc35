/**
 * The REST wire types agree with docs/openapi.json: every field the frontend reads is
 * documented, and a field it reads as always present is documented as required.
 * (tests/test_docs.py checks the same file against the server's answers.)
 */

import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const WIRE_TYPES = path.join(ROOT, 'src', 'api.ts');

interface ISchema {
  type?: string | string[];
  properties?: { [name: string]: ISchema };
  required?: string[];
  items?: ISchema;
  anyOf?: ISchema[];
  $ref?: string;
}

const openapi = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'docs', 'openapi.json'), 'utf8')
);
const schemas: { [name: string]: ISchema } = openapi.components.schemas;

/** Each wire interface and the schema that documents it. */
const DOCUMENTED_BY: { [iface: string]: string } = {
  IEnvironment: 'Environment',
  ISaveRequest: 'SaveRequest',
  IIdleStatus: 'IdleStatus',
  IScheduleStatus: 'ScheduleStatus',
  ISchedule: 'Schedule',
  IScheduleUpdate: 'ScheduleUpdate',
  IStatus: 'Status',
  IServerConfig: 'Config',
  IConfigUpdate: 'ConfigUpdate',
  IConfigReply: 'ConfigReply',
  ISaveAck: 'SaveAck',
  IPrice: 'Price',
  ICostProblem: 'CostProblem',
  ICost: 'Cost',
  IResource: 'Resource',
  IResourcesProblem: 'ResourcesProblem',
  IAwsBusy: 'AwsBusy',
  IResources: 'Resources',
  ISuggestionAction: 'SuggestionAction',
  ISuggestionResource: 'SuggestionResource',
  ISuggestion: 'Suggestion',
  ISuggestionsProblem: 'SuggestionsProblem',
  ISuggestions: 'Suggestions',
  IActionRequest: 'ActionRequest',
  IActionReply: 'ActionReply',
  IDismissReply: 'DismissReply',
  IHistoryEntry: 'HistoryEntry',
  IHistory: 'History',
  IHistorySeenRequest: 'HistorySeenRequest',
  IHistorySeenReply: 'HistorySeenReply',
  IBudget: 'Budget'
};

function resolve(schema: ISchema): ISchema {
  if (schema.$ref) {
    return resolve(schemas[schema.$ref.split('/').pop() as string]);
  }
  const object = schema.anyOf?.find(s => s.$ref || s.properties);
  return object ? resolve(object) : schema;
}

const source = ts.createSourceFile(
  WIRE_TYPES,
  fs.readFileSync(WIRE_TYPES, 'utf8'),
  ts.ScriptTarget.Latest,
  true
);
const interfaces = new Map<string, ts.InterfaceDeclaration>();
source.forEachChild(node => {
  if (ts.isInterfaceDeclaration(node)) {
    interfaces.set(node.name.text, node);
  }
});

function members(node: ts.InterfaceDeclaration): ts.PropertySignature[] {
  const own = node.members.filter(ts.isPropertySignature);
  const inherited = (node.heritageClauses ?? []).flatMap(clause =>
    clause.types.flatMap(t => {
      const parent = interfaces.get(t.expression.getText(source));
      return parent ? members(parent) : [];
    })
  );
  return [...inherited, ...own];
}

/** Request bodies: the frontend sends them, so the schema need not promise their fields. */
const REQUESTS = new Set([
  'IConfigUpdate',
  'ISaveAck',
  'IActionRequest',
  'IHistorySeenRequest',
  'IScheduleUpdate'
]);

/** What the TypeScript side reads that the schema does not promise, as readable lines. */
function disagreements(
  where: string,
  props: readonly ts.TypeElement[],
  schema: ISchema
): string[] {
  const request = REQUESTS.has(where.split('.')[0]);
  const documented = resolve(schema);
  const out: string[] = [];
  for (const prop of props.filter(ts.isPropertySignature)) {
    const name = prop.name.getText(source);
    const field = documented.properties?.[name];
    if (!field) {
      out.push(`${where}.${name} is not in docs/openapi.json`);
      continue;
    }
    if (
      !request &&
      !prop.questionToken &&
      !(documented.required ?? []).includes(name)
    ) {
      out.push(`${where}.${name} is read as always present but not required`);
    }
    // An inline object type: its fields against the documented object's.
    if (prop.type && ts.isTypeLiteralNode(prop.type)) {
      out.push(...disagreements(`${where}.${name}`, prop.type.members, field));
    }
  }
  return out;
}

describe('the REST wire types and docs/openapi.json', () => {
  it('document every wire interface', () => {
    const undocumented = [...interfaces.keys()].filter(
      name => !(name in DOCUMENTED_BY) && !['IIdleEvent'].includes(name) // events: jupyter_events' schema
    );
    expect(undocumented).toEqual([]);
    for (const schema of Object.values(DOCUMENTED_BY)) {
      expect(schemas[schema]).toBeDefined();
    }
  });

  it.each(Object.entries(DOCUMENTED_BY))(
    '%s agrees with %s',
    (iface, schema) => {
      const node = interfaces.get(iface);
      expect(node).toBeDefined();
      expect(disagreements(iface, members(node!), schemas[schema])).toEqual([]);
    }
  );

  it('finds a field the schema lacks (the check can fail)', () => {
    const probe = ts.createSourceFile(
      'probe.ts',
      'interface IProbe { state: string; not_documented: number }',
      ts.ScriptTarget.Latest,
      true
    );
    const node = probe.statements[0] as ts.InterfaceDeclaration;
    const props = node.members;
    const found = props
      .filter(ts.isPropertySignature)
      .map(p => p.name.getText(probe))
      .filter(name => !resolve(schemas.Status).properties?.[name]);
    expect(found).toEqual(['state', 'not_documented']);
  });
});
