import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppMetrics } from '@app/platform';
import { parse } from 'yaml';
import { ROOT } from './manifests';

export const DASHBOARD = join(ROOT, 'deploy', 'grafana', 'esoz-notify-pipeline.json');
export const RULES = join(ROOT, 'deploy', 'prometheus', 'esoz-notify.rules.yaml');
export const RUNBOOK = join(ROOT, 'docs', 'operations.md');

/** PromQL functions the dashboard and rules may call (a misspelt one is an error, not a metric). */
const FUNCTIONS = new Set([
  'abs',
  'absent',
  'absent_over_time',
  'avg',
  'avg_over_time',
  'ceil',
  'changes',
  'clamp_max',
  'clamp_min',
  'count',
  'count_over_time',
  'delta',
  'deriv',
  'floor',
  'histogram_quantile',
  'idelta',
  'increase',
  'irate',
  'label_replace',
  'label_values',
  'max',
  'max_over_time',
  'min',
  'min_over_time',
  'predict_linear',
  'quantile',
  'quantile_over_time',
  'rate',
  'resets',
  'round',
  'scalar',
  'sort',
  'sort_desc',
  'sum',
  'sum_over_time',
  'time',
  'timestamp',
  'topk',
  'bottomk',
  'vector',
]);
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);
/** Series Prometheus itself provides for every target. */
const PROMETHEUS_SERIES = new Set(['up', 'scrape_duration_seconds']);

export interface Expression {
  where: string;
  expr: string;
}

/** The metric names an expression reads, and what is wrong with it (unbalanced brackets, unknown function). */
export function analyse(expr: string): { metrics: string[]; problems: string[] } {
  const problems: string[] = [];
  if (expr.trim() === '') problems.push('empty expression');
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  for (const char of withoutStrings) {
    if ('([{'.includes(char)) stack.push(char);
    else if (char in pairs && stack.pop() !== pairs[char]) {
      problems.push(`unbalanced '${char}'`);
      break;
    }
  }
  if (stack.length > 0 && problems.length === 0) problems.push(`unclosed '${stack.at(-1)}'`);
  const stripped = withoutStrings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // grouping labels
    .replace(/\$\{?\w+\}?/g, ' ') // dashboard variables
    .replace(/\blabel_values\s*\(([^,)]*),[^)]*\)/g, 'label_values($1)'); // Grafana: (metric, label)
  const metrics = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const before = stripped[match.index - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue; // 5m, 0.99e3
    const rest = stripped.slice(match.index + name.length);
    if (/^\s*\(/.test(rest)) {
      if (!FUNCTIONS.has(name)) problems.push(`unknown function ${name}()`);
      continue;
    }
    if (KEYWORDS.has(name)) continue;
    metrics.add(name);
  }
  return { metrics: [...metrics], problems };
}

/** Every `expr` of the dashboard: panels (rows included), their targets, and query variables. */
export function dashboardExpressions(dashboard: unknown): Expression[] {
  const out: Expression[] = [];
  const visit = (panel: Record<string, unknown>) => {
    for (const [index, target] of ((panel.targets ?? []) as { expr?: string }[]).entries())
      if (target.expr !== undefined)
        out.push({ where: `panel "${String(panel.title)}" target ${index}`, expr: target.expr });
    for (const child of (panel.panels ?? []) as Record<string, unknown>[]) visit(child);
  };
  const root = dashboard as {
    panels?: Record<string, unknown>[];
    templating?: { list?: Record<string, unknown>[] };
  };
  for (const panel of root.panels ?? []) visit(panel);
  for (const variable of root.templating?.list ?? []) {
    const query = variable.query as { query?: string } | string | undefined;
    const text = typeof query === 'string' ? query : query?.query;
    if (variable.type === 'query' && text)
      out.push({ where: `variable ${String(variable.name)}`, expr: text });
  }
  return out;
}

export interface RuleFile {
  groups: { name: string; rules: Record<string, unknown>[] }[];
}

export function readRules(text = readFileSync(RULES, 'utf8')): RuleFile {
  const parsed = parse(text, { strict: true, uniqueKeys: true }) as RuleFile;
  if (!parsed || !Array.isArray(parsed.groups)) throw new Error('rule file has no groups');
  return parsed;
}

/** GitHub's anchors of the runbook's headings (`### EsozOutboxStale` → `esozoutboxstale`). */
export function runbookAnchors(markdown = readFileSync(RUNBOOK, 'utf8')): Set<string> {
  const anchors = new Set<string>();
  for (const line of markdown.split('\n')) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading)
      anchors.add(
        heading[1]
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N}\s-]/gu, '')
          .replace(/\s/g, '-'),
      );
  }
  return anchors;
}

/** Structure of the rule file: names, durations, severities, summaries and runbook links that resolve. */
export function ruleProblems(rules: RuleFile, anchors: Set<string>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const group of rules.groups) {
    if (!group.name || !Array.isArray(group.rules)) problems.push(`group ${group.name}: no name or rules`);
    for (const rule of group.rules ?? []) {
      const name = String(rule.alert ?? rule.record ?? '(unnamed)');
      if (typeof rule.expr !== 'string') problems.push(`${name}: expr must be a string`);
      if (rule.record !== undefined) {
        if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(String(rule.record)))
          problems.push(`${name}: bad record name`);
        continue;
      }
      if (!/^[A-Z][A-Za-z0-9]+$/.test(name)) problems.push(`${name}: alert names are CamelCase`);
      if (rule.for !== undefined && !/^\d+[smh]$/.test(String(rule.for))) problems.push(`${name}: bad for`);
      const labels = (rule.labels ?? {}) as Record<string, string>;
      if (!['critical', 'warning', 'info'].includes(labels.severity))
        problems.push(`${name}: severity label`);
      const annotations = (rule.annotations ?? {}) as Record<string, string>;
      if (!annotations.summary) problems.push(`${name}: no summary`);
      const anchor = /^docs\/operations\.md#(.+)$/.exec(annotations.runbook_url ?? '')?.[1];
      if (!anchor || !anchors.has(anchor))
        problems.push(`${name}: runbook_url ${annotations.runbook_url} not in docs/operations.md`);
      if (seen.has(name) && !annotations.runbook_url) problems.push(`${name}: defined twice`);
      seen.add(name);
    }
  }
  return problems;
}

export function ruleExpressions(rules: RuleFile): Expression[] {
  return rules.groups.flatMap((group) =>
    group.rules.map((rule) => ({
      where: `rule ${String(rule.alert ?? rule.record)}`,
      expr: String(rule.expr),
    })),
  );
}

/** Names the apps export: one AppMetrics registry (every app has the same series set; labels vary). */
export function exportedMetricNames(): { names: Set<string>; histograms: Set<string> } {
  const metrics = new AppMetrics('observability-check');
  const all = metrics.registry.getMetricsAsArray();
  return {
    names: new Set(all.map((metric) => metric.name)),
    histograms: new Set(
      all
        .filter((metric) => String((metric as unknown as { type?: unknown }).type) === 'histogram')
        .map((metric) => metric.name),
    ),
  };
}

/**
 * For each expression, the metrics it reads that no app exports (histogram `_bucket`/`_sum`/`_count`
 * resolve to their histogram, recording rules to their definition) and its PromQL problems.
 */
export function unknownMetrics(expressions: Expression[], recorded: Set<string> = new Set()): string[] {
  const { names, histograms } = exportedMetricNames();
  const problems: string[] = [];
  for (const { where, expr } of expressions) {
    const result = analyse(expr);
    for (const problem of result.problems) problems.push(`${where}: ${problem}`);
    for (const metric of result.metrics) {
      const base = metric.replace(/_(bucket|sum|count)$/, '');
      const known =
        names.has(metric) ||
        (histograms.has(base) && base !== metric) ||
        recorded.has(metric) ||
        PROMETHEUS_SERIES.has(metric);
      if (!known) problems.push(`${where}: ${metric} is not exported by any app`);
    }
  }
  return problems;
}
