import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { renderChart } from './chart';
import type { HistoryResult } from './history';
import { CPU_ACCOUNTS, type CpuAccount, type CpuReading } from './meter';
import type { ProcessName } from './ports';
import type { CensoredSummary } from './stats';
import type { ScenarioName } from './workload';

/** Everything one bench run found; written as JSON, printed as tables, drawn as the chart. */

export interface CpuPerNotification {
  windowSeconds: number;
  /** Terminal statuses of bench events seen in the window (this step's and any backlog's). */
  notifications: number;
  msPerNotification: Record<CpuAccount, number | null>;
  stackMsPerNotification: number | null;
  /** The same with the idle reading's rate taken out (only when idle was measured): the marginal cost. */
  aboveIdleMsPerNotification?: Record<CpuAccount, number | null>;
  stackAboveIdleMsPerNotification?: number | null;
  /** Cores the stack kept busy on average over the window. */
  stackCores: number;
  reading: CpuReading;
}

export interface ScenarioResult {
  offered: number;
  asExpected: number;
  expected: string;
  outcomes: Record<string, number>;
  latencyMs: CensoredSummary;
}

export interface StepResult {
  index: number;
  rate: number;
  /** The run was stopped during this step: it offered less, and its drain was cut short. */
  interrupted?: boolean;
  seconds: number;
  offered: number;
  produceErrors: number;
  generator: { lateTicks: number; largestBatch: number; wallSeconds: number };
  /** Steady state: this step's terminal statuses arriving in the second half of the load, per second. */
  deliveredPerSecond: number;
  /** This step's expected outcomes over (last one − first produce). */
  deliveredPerSecondOverall: number | null;
  asExpected: number;
  /** Terminal outcomes other than the scenario's expected one (e.g. FAILED/UNKNOWN_PERSON). */
  otherOutcomes: Record<string, number>;
  /** Produce call → the expected terminal status on the status topic; the rest counts as "not reached". */
  latencyMs: CensoredSummary;
  /** p50 of produce → the first RESOLVED / SENT status seen (where the time goes). */
  stagesP50Ms: { resolved: number | null; sent: number | null };
  backlogAtStart: number;
  notTerminalAtLoadEnd: number;
  /** From the end of the load until this step's last terminal status (or the bound, when not drained). */
  drainSeconds: number;
  drained: boolean;
  notTerminalAfterDrain: number;
  fellBehind: boolean;
  cpu: CpuPerNotification;
  peakRssMiB: Partial<Record<ProcessName, number>>;
  scenarios?: Partial<Record<ScenarioName, ScenarioResult>>;
  crossTalkEvents: number;
  duplicateTerminals: number;
}

export interface IdleResult {
  seconds: number;
  percentOfCore: Record<CpuAccount, number | null>;
  stackPercentOfCore: number;
  reading: CpuReading;
}

export interface RelayResult {
  messages: number;
  arrived: number;
  missing: number;
  throughputPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** Relay process (this one) and Kafka CPU per relayed message, ms. */
  benchMsPerMessage: number | null;
  kafkaMsPerMessage: number | null;
  [key: string]: unknown;
}

export interface BenchResult {
  runId: string;
  startedAt: string;
  finishedAt?: string;
  aborted?: string;
  code: { commit: string; uncommittedFiles: number };
  settings: Record<string, unknown>;
  target: {
    mode: 'managed' | 'running';
    ports: Record<ProcessName, number>;
    database: string;
    providerDelays: string;
  };
  machine: {
    cpus: number;
    node: string;
    loadAverage: { start: number[]; end?: number[] };
    otherActiveConsumerGroups: string[];
  };
  postgres: { settings: Record<string, string>; history?: HistoryResult };
  warmup?: {
    events: number;
    asExpected: number;
    outcomes: Record<string, number>;
    latencyMs: CensoredSummary;
  };
  idle?: IdleResult;
  relay?: RelayResult;
  steps: StepResult[];
  memory: {
    /** Highest VmRSS sampled (every second) during the ladder, MiB. */
    ladderPeakRssMiB: Partial<Record<ProcessName, number>>;
    /** The kernel's VmHWM at the end (includes start-up; for a running system, its whole life). */
    highWaterMiB: Partial<Record<ProcessName, number>>;
  };
  summary: Summary;
  notes: string[];
}

export interface Summary {
  p99TargetMs: number;
  highestRateWithinP99Target: number | null;
  sliceMaxDeliveredPerSecond: number | null;
  relayMessagesPerSecond: number | null;
  /** Slice's best steady-state delivered/s ÷ the raw relay's msg/s, same run. */
  ratioToRelay: number | null;
  idleStackPercentOfCore: number | null;
}

export function summarize(result: Omit<BenchResult, 'summary'>, p99TargetMs: number): Summary {
  const within = result.steps.filter(
    (step) => !step.interrupted && step.latencyMs.p99 !== null && step.latencyMs.p99 <= p99TargetMs,
  );
  const best =
    result.steps.length > 0 ? Math.max(...result.steps.map((step) => step.deliveredPerSecond)) : null;
  const relay = result.relay?.throughputPerSecond ?? null;
  return {
    p99TargetMs,
    highestRateWithinP99Target: within.length > 0 ? Math.max(...within.map((step) => step.rate)) : null,
    sliceMaxDeliveredPerSecond: best,
    relayMessagesPerSecond: relay,
    ratioToRelay: best !== null && relay ? Math.round((best / relay) * 1000) / 1000 : null,
    idleStackPercentOfCore: result.idle?.stackPercentOfCore ?? null,
  };
}

// ---- text -------------------------------------------------------------------------------------------------

const SHORT: Record<CpuAccount, string> = {
  'provider-simulator': 'sim',
  resolver: 'resolver',
  'viber-sender': 'viber',
  'sms-sender': 'sms',
  'diia-push-stub': 'diia',
  'info-slip-renderer': 'slip',
  kafka: 'kafka',
  postgres: 'pg',
};

export function formatDuration(ms: number | null, bound?: number): string {
  if (ms === null) return bound === undefined ? 'n/a' : `>${(bound / 1000).toFixed(0)} s`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

const fixed = (value: number | null, digits = 1) => (value === null ? 'n/a' : value.toFixed(digits));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((row) => row[index].length)));
  const line = (cells: string[]) => cells.map((cell, index) => cell.padStart(widths[index])).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export function formatReport(result: BenchResult): string {
  const out: string[] = [];
  const s = result.summary;
  out.push(
    `bench ${result.runId} (${result.target.mode}, ${String(result.settings.workload)} workload) on ${result.code.commit.slice(0, 10)}${result.code.uncommittedFiles > 0 ? ` +${result.code.uncommittedFiles} uncommitted files` : ''}`,
    `  ${result.machine.cpus} cpus, node ${result.machine.node}, load average ${result.machine.loadAverage.start.join(' ')} → ${(result.machine.loadAverage.end ?? []).join(' ')}; providers: ${result.target.providerDelays}`,
    `  postgres: ${Object.entries(result.postgres.settings)
      .map(([name, value]) => `${name}=${value}`)
      .join(', ')}`,
  );
  if (result.postgres.history) {
    const h = result.postgres.history;
    out.push(
      `  history: ${h.existing.toLocaleString('en')} notifications were there, ${Object.entries(h.inserted)
        .map(([table, rows]) => `${table} +${rows.toLocaleString('en')}`)
        .join(', ')} in ${h.seconds} s (ANALYZE ${h.analyzeSeconds} s); sizes ${Object.entries(
        h.tableSizesMiB,
      )
        .map(([table, mib]) => `${table} ${mib} MiB`)
        .join(', ')}`,
    );
  }
  if (result.machine.otherActiveConsumerGroups.length > 0)
    out.push(
      `  other consumer groups active on the broker: ${result.machine.otherActiveConsumerGroups.join(', ')}`,
    );
  if (result.aborted) out.push(`  STOPPED EARLY: ${result.aborted}`);
  out.push('');

  if (result.steps.length > 0) {
    const wait = (step: StepResult) => (step.seconds + step.drainSeconds) * 1000;
    out.push(
      'Load (open loop; latency = produce call → expected terminal status on esoz.notification.status.v1)',
      table(
        [
          'offered/s',
          'events',
          'delivered/s',
          'p50',
          'p95',
          'p99',
          'max',
          'open@end',
          'drain',
          'open',
          'behind',
        ],
        result.steps.map((step) => [
          `${step.rate}${step.interrupted ? ' (stopped)' : ''}`,
          String(step.offered),
          step.deliveredPerSecond.toFixed(1),
          formatDuration(step.latencyMs.p50, wait(step)),
          formatDuration(step.latencyMs.p95, wait(step)),
          formatDuration(step.latencyMs.p99, wait(step)),
          formatDuration(step.latencyMs.max, wait(step)),
          String(step.notTerminalAtLoadEnd),
          `${step.drainSeconds.toFixed(1)} s`,
          String(step.notTerminalAfterDrain),
          step.fellBehind ? 'yes' : '',
        ]),
      ),
      '',
      'CPU per notification, ms (each app from its /metrics; simulator, Kafka, Postgres from /proc)',
      table(
        ['offered/s', ...CPU_ACCOUNTS.map((account) => SHORT[account]), 'stack', 'above idle', 'cores'],
        result.steps.map((step) => [
          String(step.rate),
          ...CPU_ACCOUNTS.map((account) => fixed(step.cpu.msPerNotification[account], 2)),
          fixed(step.cpu.stackMsPerNotification, 2),
          step.cpu.stackAboveIdleMsPerNotification === undefined
            ? 'n/a'
            : fixed(step.cpu.stackAboveIdleMsPerNotification, 2),
          step.cpu.stackCores.toFixed(2),
        ]),
      ),
      '',
    );
    for (const step of result.steps) {
      const others = Object.entries(step.otherOutcomes);
      if (others.length > 0)
        out.push(`  ${step.rate}/s: other outcomes ${others.map(([what, n]) => `${what} ×${n}`).join(', ')}`);
      if (step.produceErrors > 0)
        out.push(`  ${step.rate}/s: ${step.produceErrors} events failed to produce`);
      if (step.crossTalkEvents > 0)
        out.push(`  ${step.rate}/s: ${step.crossTalkEvents} events were also decided by another system`);
      // A tick now and then comes late on a busy machine; the next one catches up. Worth a line when often.
      if (step.generator.lateTicks > 0.05 * step.seconds * (1000 / Number(result.settings.tickMs)))
        out.push(
          `  ${step.rate}/s: the load generator lagged (${step.generator.lateTicks} late ticks, largest batch ${step.generator.largestBatch}); the offered rate was kept by catching up`,
        );
    }
    const scenarioSteps = result.steps.filter((step) => step.scenarios);
    if (scenarioSteps.length > 0) {
      out.push('Per scenario (mixed workload): p50 / p99, as expected / offered');
      const names = Object.keys(scenarioSteps[0].scenarios!) as ScenarioName[];
      out.push(
        table(
          ['offered/s', ...names],
          scenarioSteps.map((step) => [
            String(step.rate),
            ...names.map((name) => {
              const scenario = step.scenarios![name]!;
              return `${formatDuration(scenario.latencyMs.p50, wait(step))} / ${formatDuration(scenario.latencyMs.p99, wait(step))} (${scenario.asExpected}/${scenario.offered})`;
            }),
          ]),
        ),
      );
      for (const step of scenarioSteps) {
        const viber = step.scenarios!.viber?.latencyMs.p50;
        const sms = step.scenarios!['sms-fallback']?.latencyMs.p50;
        const slip = step.scenarios!.slip?.latencyMs.p99;
        const parts = [
          ...(viber != null && sms != null
            ? [`NOT_VIBER_USER → SMS adds ${formatDuration(sms - viber)} at p50`]
            : []),
          ...(slip !== undefined ? [`SLIP_READY p99 ${formatDuration(slip, wait(step))}`] : []),
        ];
        if (parts.length > 0) out.push(`  ${step.rate}/s: ${parts.join('; ')}`);
      }
      out.push('');
    }
  }

  if (result.idle) {
    out.push(
      `Idle stack over ${result.idle.seconds} s, % of one core`,
      table(
        [...CPU_ACCOUNTS.map((account) => SHORT[account]), 'stack'],
        [
          [
            ...CPU_ACCOUNTS.map((account) => fixed(result.idle!.percentOfCore[account], 1)),
            result.idle.stackPercentOfCore.toFixed(1),
          ],
        ],
      ),
      '',
    );
  }
  const apps = Object.keys(result.memory.highWaterMiB) as ProcessName[];
  if (apps.length > 0) {
    out.push(
      'Memory, MiB: peak RSS sampled during the ladder / VmHWM (kernel peak, since start)',
      table(
        apps.map((app) => SHORT[app]),
        [
          apps.map(
            (app) => `${result.memory.ladderPeakRssMiB[app] ?? 'n/a'} / ${result.memory.highWaterMiB[app]}`,
          ),
        ],
      ),
      '',
    );
  }
  if (result.relay) {
    const r = result.relay;
    out.push(
      `Raw kafkajs relay, 3 hops (2 relays + sink, one process): ${r.arrived}/${r.messages} messages, ${r.throughputPerSecond} msg/s, p50 ${formatDuration(r.latencyMs.p50)}, p99 ${formatDuration(r.latencyMs.p99)} (burst); CPU ${fixed(r.benchMsPerMessage, 3)} ms relay + ${fixed(r.kafkaMsPerMessage, 3)} ms Kafka per message`,
    );
  }
  out.push(
    `Summary: highest offered rate with p99 ≤ ${formatDuration(s.p99TargetMs)}: ${s.highestRateWithinP99Target ?? 'none'}/s; slice best ${fixed(s.sliceMaxDeliveredPerSecond)} delivered/s` +
      (s.ratioToRelay !== null
        ? ` = ${(s.ratioToRelay * 100).toFixed(1)}% of the raw relay's ${s.relayMessagesPerSecond} msg/s`
        : '') +
      (s.idleStackPercentOfCore !== null
        ? `; idle stack ${s.idleStackPercentOfCore.toFixed(1)}% of one core`
        : ''),
  );
  for (const note of result.notes) out.push(`note: ${note}`);
  return out.join('\n');
}

// ---- files ------------------------------------------------------------------------------------------------

export function chartOf(result: BenchResult): string {
  const accounts = CPU_ACCOUNTS.map((account) => SHORT[account]);
  return renderChart({
    title: `esoz-notify bench: ${String(result.settings.workload)} workload, ${result.target.mode} stack`,
    subtitle: `${result.runId}, commit ${result.code.commit.slice(0, 10)}, ${result.settings.stepSeconds} s per step, ${result.machine.cpus} cpus, load average ${result.machine.loadAverage.start[0]} → ${result.machine.loadAverage.end?.[0] ?? '?'}${result.postgres.history ? `, history ${result.postgres.history.requested.toLocaleString('en')}` : ''}${result.aborted ? ' (stopped early)' : ''}`,
    p99TargetMs: result.summary.p99TargetMs,
    accounts,
    points: result.steps.map((step) => ({
      rate: step.rate,
      deliveredPerSecond: step.deliveredPerSecond,
      p50Ms: step.latencyMs.p50,
      p99Ms: step.latencyMs.p99,
      fellBehind: step.fellBehind,
      cpuMs: Object.fromEntries(
        CPU_ACCOUNTS.map((account) => [SHORT[account], step.cpu.msPerNotification[account]]),
      ),
    })),
  });
}

/** The committed summary: the figures, without the raw readings. */
export function docsSummary(result: BenchResult): unknown {
  return {
    runId: result.runId,
    startedAt: result.startedAt,
    code: result.code,
    settings: result.settings,
    target: result.target,
    machine: result.machine,
    postgres: result.postgres,
    summary: result.summary,
    idlePercentOfCore: result.idle?.percentOfCore,
    memory: result.memory,
    relay: result.relay && {
      messages: result.relay.messages,
      throughputPerSecond: result.relay.throughputPerSecond,
      latencyMs: result.relay.latencyMs,
    },
    steps: result.steps.map((step) => ({
      rate: step.rate,
      offered: step.offered,
      deliveredPerSecond: step.deliveredPerSecond,
      latencyMs: step.latencyMs,
      notTerminalAfterDrain: step.notTerminalAfterDrain,
      drainSeconds: step.drainSeconds,
      fellBehind: step.fellBehind,
      cpuMsPerNotification: step.cpu.msPerNotification,
      stackMsPerNotification: step.cpu.stackMsPerNotification,
      stackAboveIdleMsPerNotification: step.cpu.stackAboveIdleMsPerNotification,
      peakRssMiB: step.peakRssMiB,
      ...(step.scenarios
        ? {
            scenarios: Object.fromEntries(
              Object.entries(step.scenarios).map(([name, scenario]) => [
                name,
                { offered: scenario.offered, asExpected: scenario.asExpected, latencyMs: scenario.latencyMs },
              ]),
            ),
          }
        : {}),
    })),
    ...(result.aborted ? { aborted: result.aborted } : {}),
    notes: result.notes,
  };
}

export function writeResults(
  result: BenchResult,
  options: { outDir: string; docsDir: string; writeDocs: boolean; root: string },
): string[] {
  mkdirSync(options.outDir, { recursive: true });
  const written: string[] = [];
  const write = (path: string, content: string) => {
    writeFileSync(path, content);
    written.push(relative(options.root, path));
  };
  write(join(options.outDir, `${result.runId}.json`), `${JSON.stringify(result, null, 2)}\n`);
  write(join(options.outDir, `${result.runId}.txt`), `${formatReport(result)}\n`);
  if (options.writeDocs && result.steps.length > 0) {
    mkdirSync(options.docsDir, { recursive: true });
    write(join(options.docsDir, 'bench.svg'), chartOf(result));
    write(join(options.docsDir, 'latest.json'), `${JSON.stringify(docsSummary(result), null, 2)}\n`);
  }
  return written;
}
