import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import {
  analyse,
  DASHBOARD,
  dashboardExpressions,
  readRules,
  ruleExpressions,
  ruleProblems,
  runbookAnchors,
  unknownMetrics,
} from './observability';

const dashboard = () => JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Record<string, unknown>;
const recordedNames = () =>
  new Set(
    readRules()
      .groups.flatMap((group) => group.rules)
      .filter((rule) => rule.record !== undefined)
      .map((rule) => String(rule.record)),
  );

describe('Grafana dashboard', () => {
  it('reads only metrics the apps export, in well-formed PromQL', () => {
    const expressions = dashboardExpressions(dashboard());
    expect(expressions.length).toBeGreaterThan(25);
    expect(unknownMetrics(expressions)).toEqual([]);
  });

  it('shows the pipeline at a glance: throughput, latency, lag, outbox, fallbacks, DLQ, providers', () => {
    const all = dashboardExpressions(dashboard())
      .map((expression) => expression.expr)
      .join('\n');
    for (const metric of [
      'esoz_statuses_recorded_total{status="DELIVERED"}',
      'esoz_notification_end_to_end_seconds_bucket',
      'esoz_kafka_consumer_lag_messages',
      'esoz_outbox_oldest_message_age_seconds',
      'esoz_fallbacks_total',
      'esoz_messages_dead_lettered_total',
      'esoz_provider_request_duration_seconds_count{outcome!~',
    ])
      expect(all).toContain(metric);
  });
});

describe('Prometheus rules', () => {
  it('parse, and each alert has a severity, a summary and a runbook section that exists', () => {
    expect(ruleProblems(readRules(), runbookAnchors())).toEqual([]);
  });

  it('read only metrics the apps export (or rules record), in well-formed PromQL', () => {
    expect(unknownMetrics(ruleExpressions(readRules()), recordedNames())).toEqual([]);
  });

  it('alert on what the issue lists', () => {
    const alerts = readRules()
      .groups.flatMap((group) => group.rules)
      .map((rule) => rule.alert)
      .filter(Boolean);
    expect(alerts).toEqual(
      expect.arrayContaining([
        'EsozConsumerLagGrowing',
        'EsozOutboxStale',
        'EsozDeadLetters',
        'EsozProviderErrorRate',
        'EsozEndToEndP99Objective',
        'EsozConsumerGroupWithoutMember',
      ]),
    );
  });
});

describe('the checks catch mistakes', () => {
  it('a metric no app exports, a misspelt function and unbalanced brackets', () => {
    expect(
      unknownMetrics([
        { where: 'a', expr: 'sum(rate(esoz_messages_consumd_total[5m]))' },
        { where: 'b', expr: 'sum by (topic) (rte(esoz_messages_consumed_total[5m]))' },
        { where: 'c', expr: 'sum(rate(esoz_messages_consumed_total[5m])' },
        {
          where: 'd',
          expr: 'histogram_quantile(0.99, sum by (le) (rate(esoz_batch_duration_seconds_bucket[5m])))',
        },
      ]),
    ).toEqual([
      'a: esoz_messages_consumd_total is not exported by any app',
      'b: unknown function rte()',
      "c: unclosed '('",
    ]);
  });

  it('reads names out of PromQL, not labels, strings, ranges or keywords', () => {
    expect(
      analyse(
        'sum by (group, topic) (max by (group, topic, partition) (esoz_kafka_consumer_lag_messages{app=~"$app", topic!="x_total"})) > 10 and deriv(foo:bar[10m:1m]) > 0 or vector(0)',
      ),
    ).toEqual({ metrics: ['esoz_kafka_consumer_lag_messages', 'foo:bar'], problems: [] });
  });

  it('a rule file that does not parse, and a runbook link to nowhere', () => {
    expect(() => readRules('groups:\n  - name: x\n    rules:\n    - alert: A\n   expr: up\n')).toThrow();
    const rules = readRules(
      'groups:\n  - name: x\n    rules:\n      - alert: EsozSomething\n        expr: up == 0\n        for: 5 minutes\n        labels: { severity: page }\n        annotations: { runbook_url: docs/operations.md#nowhere }\n',
    );
    expect(ruleProblems(rules, runbookAnchors())).toEqual([
      'EsozSomething: bad for',
      'EsozSomething: severity label',
      'EsozSomething: no summary',
      'EsozSomething: runbook_url docs/operations.md#nowhere not in docs/operations.md',
    ]);
  });
});
