// The Grafana dashboard and the Prometheus alert rules use exactly the metrics the bot exports: every
// name, label and label value they reference is in src/adapters/metrics/catalog.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { createMetrics, METRICS } from '../../src/adapters/metrics/catalog.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

interface Known {
  labels: Set<string>;
  values: Record<string, readonly string[]>;
}
/** labels every scraped series carries (added by Prometheus), and the histogram bucket label */
const TARGET_LABELS = ['instance', 'job'];

async function exported(): Promise<Map<string, Known>> {
  const { registry } = createMetrics();
  const known = new Map<string, Known>();
  const specs = new Map<
    string,
    { labelNames: readonly string[]; values?: Record<string, readonly string[]> }
  >(Object.values(METRICS).map((m) => [m.name, m]));
  for (const m of await registry.getMetricsAsJSON()) {
    const spec = specs.get(m.name);
    const labels = new Set([...(spec?.labelNames ?? []), ...TARGET_LABELS]);
    const entry = { labels, values: spec?.values ?? {} };
    if (String(m.type) === 'histogram') {
      known.set(`${m.name}_bucket`, { ...entry, labels: new Set([...labels, 'le']) });
      known.set(`${m.name}_sum`, entry);
      known.set(`${m.name}_count`, entry);
    } else {
      known.set(m.name, entry);
    }
  }
  // default metrics without a value yet (no GC run, etc.) are still registered, with labels we do not check
  return known;
}
const known = await exported();

const SERIES = /\b(imds_bot_[a-z0-9_]+)\b(\{[^}]*\})?/g;
const MATCHER = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"/g;
const GROUPING = /\b(?:by|on|without|ignoring)\s*\(([^)]*)\)/g;

/** Every problem with one PromQL expression against the catalog; [] when it only uses what we export. */
function problems(expr: string): string[] {
  const out: string[] = [];
  const used: Known[] = [];
  for (const [, name = '', selector = ''] of expr.matchAll(SERIES)) {
    const k = known.get(name);
    if (!k) {
      out.push(`${name} is not exported`);
      continue;
    }
    used.push(k);
    for (const [, label = '', op, value = ''] of selector.matchAll(MATCHER)) {
      if (!k.labels.has(label)) out.push(`${name} has no label ${label}`);
      const allowed = k.values[label];
      const alternatives = op === '=~' || op === '!~' ? value.split('|') : [value];
      for (const v of allowed ? alternatives : [])
        if (!allowed?.includes(v)) out.push(`${name}{${label}} is never "${v}"`);
    }
  }
  if (used.length === 0) out.push(`no imds_bot_ metric in ${expr}`);
  for (const [, list = ''] of expr.matchAll(GROUPING))
    for (const label of list
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean))
      if (!used.some((k) => k.labels.has(label))) out.push(`no metric here has the label ${label}`);
  return out;
}

// ------------------------------------------------------------------------------------- dashboard
const Target = z.looseObject({ expr: z.string(), refId: z.string() });
interface Panel {
  title: string;
  type: string;
  targets?: z.infer<typeof Target>[] | undefined;
  panels?: Panel[] | undefined;
}
const PanelSchema: z.ZodType<Panel> = z.lazy(() =>
  z.looseObject({
    title: z.string(),
    type: z.string(),
    targets: z.array(Target).optional(),
    panels: z.array(PanelSchema).optional(),
  }),
);
const dashboard = z
  .looseObject({
    title: z.string(),
    uid: z.string(),
    schemaVersion: z.number(),
    panels: z.array(PanelSchema),
  })
  .parse(JSON.parse(read('deploy/grafana/imds-bot.json')));
const flatten = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...flatten(p.panels ?? [])]);
const graphPanels = flatten(dashboard.panels).filter((p) => p.type !== 'row');
const dashboardExprs = graphPanels.flatMap((p) => (p.targets ?? []).map((t) => [p.title, t.expr] as const));

// ----------------------------------------------------------------------------------------- rules
const Rule = z.strictObject({
  alert: z.string().regex(/^ImdsBot[A-Za-z]+$/),
  expr: z.string(),
  for: z.string().regex(/^\d+[smh]$/),
  labels: z.strictObject({ severity: z.enum(['warning', 'critical']) }),
  annotations: z.strictObject({ summary: z.string(), description: z.string() }),
});
const rules =
  z
    .strictObject({ groups: z.array(z.strictObject({ name: z.string(), rules: z.array(Rule) })).length(1) })
    .parse(parse(read('deploy/prometheus/imds-bot-alerts.yaml'))).groups[0]?.rules ?? [];

describe('metrics catalog', () => {
  it('names follow Prometheus conventions: imds_bot_ prefix, unique, _total for counters only', async () => {
    const names = Object.values(METRICS).map((m) => m.name);
    const types = await createMetrics({ defaultMetrics: false }).registry.getMetricsAsJSON();

    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => !/^imds_bot_[a-z0-9_]+$/.test(n))).toEqual([]);
    expect(types.map((m) => m.name).sort()).toEqual([...names].sort());
    for (const m of types)
      expect([m.name, m.name.endsWith('_total')]).toEqual([m.name, String(m.type) === 'counter']);
  });

  it('every enumerated label value set belongs to a label of that metric', () => {
    for (const m of Object.values(METRICS))
      for (const label of Object.keys('values' in m ? m.values : {})) expect(m.labelNames).toContain(label);
  });
});

describe('Grafana dashboard deploy/grafana/imds-bot.json', () => {
  it('is a dashboard with a Prometheus datasource variable and panels', () => {
    expect(dashboard.uid).toBe('imds-bot');
    expect(graphPanels.length).toBeGreaterThanOrEqual(15);
    const sources = graphPanels.map((p) => JSON.stringify((p as { datasource?: unknown }).datasource));

    expect(new Set(sources)).toEqual(
      new Set([JSON.stringify({ type: 'prometheus', uid: '$' + '{datasource}' })]),
    );
  });

  it.each(dashboardExprs)(
    'panel "%s" queries only exported metrics, labels and values: %s',
    (_title, expr) => {
      expect(problems(expr)).toEqual([]);
    },
  );

  it('shows every metric of the catalog', () => {
    const all = dashboardExprs.map(([, e]) => e).join('\n');
    const missing = Object.values(METRICS)
      .map((m) => m.name)
      .filter((name) => !new RegExp(`\\b${name}(_bucket|_sum|_count)?\\b`).test(all));

    expect(missing).toEqual([]);
  });
});

describe('Prometheus alert rules deploy/prometheus/imds-bot-alerts.yaml', () => {
  it('alert on a stuck queue, a failing scope, a Slack 429 storm, an unanchored audit chain and a failing Security Hub export', () => {
    expect(rules.map((r) => r.alert)).toEqual([
      'ImdsBotQueueStuck',
      'ImdsBotScopeFailing',
      'ImdsBotSlackRateLimitStorm',
      'ImdsBotAuditChainUnanchored',
      'ImdsBotSecurityHubExportFailing',
    ]);
  });

  it.each(rules.map((r) => [r.alert, r.expr] as const))(
    '%s uses only exported metrics, labels and values',
    (_a, expr) => {
      expect(problems(expr)).toEqual([]);
    },
  );

  it('the checker itself refuses an unknown metric, label or label value', () => {
    expect(problems('sum(rate(imds_bot_slack_calls_total{outcome="429"}[5m]))')).toEqual([
      'imds_bot_slack_calls_total{outcome} is never "429"',
    ]);
    expect(problems('max by (shard) (imds_bot_queue_jobs)')).toEqual(['no metric here has the label shard']);
    expect(problems('imds_bot_queue_depth')).toEqual([
      'imds_bot_queue_depth is not exported',
      'no imds_bot_ metric in imds_bot_queue_depth',
    ]);
  });
});
