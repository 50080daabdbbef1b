import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Topic } from '@app/contracts';
import { maskPhonesInText } from '@app/platform';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { brokers, otherActiveGroups, wire } from '../lib/kafka';
import { requestJson } from '../lib/net';
import { waitForPersons } from '../lib/read-model';
import { Cleanup } from './cleanup';
import { EventTracker, expectedOutcome, startStatusProbe, type TrackedEvent } from './events';
import { loadHistory, postgresSettings } from './history';
import { CPU_ACCOUNTS, MemorySampler, StackMeter, type CpuAccount, type CpuReading } from './meter';
import type { BenchOptions } from './options';
import { pidListeningOn } from './proc';
import { benchRawRelay } from './relay';
import {
  summarize as summarizeResult,
  type BenchResult,
  type CpuPerNotification,
  type IdleResult,
  type RelayResult,
  type ScenarioResult,
  type StepResult,
} from './report';
import { RateSchedule, runOpenLoop, type OpenLoopStats } from './scheduler';
import { databaseName } from './ports';
import { connectRunningStack, startManagedStack, type Stack } from './stack';
import { nearestRank, summarizeCensored, type CensoredSummary } from './stats';
import { buildWorkload, SCENARIOS, type ScenarioName, type Workload } from './workload';

/**
 * One bench run, start to finish: the stack (started or found), persons and provider behaviours, a
 * warm-up, optional history, the idle window, the raw relay, the ladder; then the result. Stops early on
 * the overall timeout or Ctrl-C (what was measured so far is still reported) and always cleans up what it
 * started.
 */
export class BenchRun {
  private readonly abort = new AbortController();
  private readonly kafka: Kafka;
  private readonly cleanup: Cleanup;
  private readonly tracker = new EventTracker();
  private readonly inFlight = new Set<Promise<void>>();
  private stack?: Stack;
  private admin?: Admin;
  private producer?: Producer;
  private meter?: StackMeter;
  private memory?: MemorySampler;
  private produceErrors = 0;
  private readonly result: Omit<BenchResult, 'summary'>;

  constructor(
    private readonly options: BenchOptions,
    private readonly print: (line: string) => void,
  ) {
    mkdirSync(options.runDir, { recursive: true });
    this.kafka = benchKafka(join(options.runDir, 'bench-kafkajs.log'));
    this.cleanup = new Cleanup(this.kafka);
    this.result = {
      runId: options.runId,
      startedAt: new Date().toISOString(),
      code: gitState(options.root),
      settings: {
        workload: options.workload,
        mix: options.mix,
        rates: options.rates,
        stepSeconds: options.stepSeconds,
        drainSeconds: options.drainSeconds,
        tickMs: options.tickMs,
        onBehind: options.onBehind,
        behindShare: options.behindShare,
        warmupEvents: options.warmupEvents,
        warmupRate: options.warmupRate,
        idleSeconds: options.idleSeconds,
        persons: options.persons,
        history: options.history,
        relayMessages: options.relayMessages,
        logLevel: options.target === 'managed' ? options.logLevel : 'running system',
        nodeEnv: options.target === 'managed' ? options.nodeEnv : 'running system',
        kafkaBrokers: brokers(),
      },
      target: {
        mode: options.target,
        ports: options.ports,
        database: databaseName(options.databaseUrl),
        providerDelays: '',
      },
      machine: {
        cpus: cpus().length,
        node: process.version,
        loadAverage: { start: loadAverage() },
        otherActiveConsumerGroups: [],
      },
      postgres: { settings: {} },
      steps: [],
      memory: { ladderPeakRssMiB: {}, highWaterMiB: {} },
      notes: [],
    };
  }

  /** Stops the run at the next check; what was measured so far is reported. */
  stop(reason: string): void {
    if (this.abort.signal.aborted) return;
    this.result.aborted = reason;
    this.print(`bench: stopping: ${reason}`);
    this.abort.abort(new Error(reason));
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  /** Clean-up on a second Ctrl-C: everything we started, now. */
  cleanupNow(): Promise<void> {
    return this.cleanup.run();
  }

  async execute(): Promise<BenchResult> {
    const { options } = this;
    const overall = setTimeout(
      () => this.stop(`overall timeout BENCH_TIMEOUT_S=${options.timeoutSeconds} reached`),
      options.timeoutSeconds * 1000,
    );
    try {
      await this.setUp();
      if (!this.stopping) await this.warmUp();
      if (!this.stopping) this.result.postgres.settings = await postgresSettings(this.stack!.databaseUrl);
      if (!this.stopping && options.history > 0) await this.loadHistory();
      if (!this.stopping && options.idleSeconds > 0) this.result.idle = await this.measureIdle();
      if (!this.stopping && options.relayMessages > 0) this.result.relay = await this.measureRelay();
      if (!this.stopping) await this.ladder();
    } catch (error) {
      const message = maskPhonesInText((error as Error).message);
      this.result.aborted ??= `failed: ${message}`;
      this.print(`bench: ${message}`);
    } finally {
      clearTimeout(overall);
      if (this.memory) {
        this.result.memory.highWaterMiB = this.memory.highWaterMiB();
        this.memory.stop();
      }
      this.result.machine.loadAverage.end = loadAverage();
      this.result.finishedAt = new Date().toISOString();
      await Promise.allSettled([...this.inFlight]);
      this.print('bench: cleaning up ...');
      await this.cleanup.run();
    }
    this.addNotes();
    return { ...this.result, summary: summarizeResult(this.result, options.p99TargetMs) };
  }

  // ---- set-up ---------------------------------------------------------------------------------------------

  private async setUp(): Promise<void> {
    const { options } = this;
    this.admin = this.kafka.admin();
    await this.admin.connect();
    this.cleanup.add('admin', () => this.admin!.disconnect());

    const stack =
      options.target === 'managed'
        ? await startManagedStack(options, this.admin, this.cleanup, this.print, (reason) =>
            this.stop(maskPhonesInText(reason)),
          )
        : await connectRunningStack(options);
    this.stack = stack;
    this.result.target.providerDelays = stack.providerDelays;
    this.print(`bench: ${stack.mode} stack: ${stack.describe()}`);

    const others = await otherActiveGroups(
      this.admin,
      (groupId) => groupId.startsWith(`${options.runId}.`) || stack.ownsGroup(groupId),
    );
    this.result.machine.otherActiveConsumerGroups = others;
    if (others.length > 0)
      this.print(
        `bench: note: other consumer groups are active on this broker (${others.join(', ')}); a second system on the contract topics competes for the machine and may decide our events too`,
      );

    const kafkaPid = localKafkaPid();
    if (kafkaPid === undefined)
      this.result.notes.push('Kafka broker not found on this machine: its CPU is not counted');
    this.meter = new StackMeter(stack, kafkaPid, databaseName(stack.databaseUrl));
    this.memory = new MemorySampler(stack);
    this.memory.start();

    await startStatusProbe(
      this.kafka,
      this.admin,
      `${options.runId}.status-probe`,
      this.tracker,
      this.cleanup,
    );
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    this.cleanup.add('producer', () => this.producer!.disconnect());
  }

  private async publishWorkload(workload: Workload): Promise<void> {
    const { persons } = workload;
    for (let start = 0; start < persons.length; start += 500) {
      await this.producer!.send({
        topic: wire(Topic.Person),
        messages: persons
          .slice(start, start + 500)
          .map((person) => ({ key: person.id, value: JSON.stringify(person) })),
      });
    }
    const simulator = this.stack!.url('provider-simulator');
    await inParallel([...workload.viberBehaviours], 8, async ([phone, viber]) => {
      const { status } = await requestJson(
        'PUT',
        `${simulator}/__control/recipients/${encodeURIComponent(phone)}`,
        {
          body: { viber },
        },
      );
      if (status !== 200) throw new Error(`simulator control API: HTTP ${status}`);
    });
    const diia = this.stack!.url('diia-push-stub');
    await inParallel([...workload.diiaBehaviours], 8, async ([taxId, behaviour]) => {
      const { status } = await requestJson('PUT', `${diia}/__control/recipients/${taxId}`, {
        body: { diia: behaviour },
      });
      if (status >= 300) throw new Error(`Diia stub control API: HTTP ${status}`);
    });
    const db = new Client({ connectionString: this.stack!.databaseUrl });
    await db.connect();
    try {
      await waitForPersons(
        db,
        persons.map((person) => person.id),
        120_000,
      );
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  // ---- producing ------------------------------------------------------------------------------------------

  /** Hands `count` events to kafkajs in one batch (not awaited), stamping their produce time `at`. */
  private send(workload: Workload, count: number, step: number, at: number): void {
    const events = Array.from({ length: count }, () => workload.next());
    for (const event of events) this.tracker.produced(event.eventId, event.scenario, step, at);
    const sending = this.producer!.send({
      topic: wire(Topic.NotificationRequested),
      acks: -1,
      messages: events.map(({ key, value }) => ({ key, value })),
    }).then(
      () => undefined,
      () => {
        this.produceErrors += events.length;
        for (const event of events) this.tracker.produceFailed(event.eventId);
      },
    );
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  private async offer(
    workload: Workload,
    rate: number,
    seconds: number,
    step: number,
  ): Promise<OpenLoopStats> {
    const stats = await runOpenLoop(
      new RateSchedule(rate, seconds * 1000),
      { tickMs: this.options.tickMs, signal: this.abort.signal },
      (count, at) => this.send(workload, count, step, at),
    );
    await Promise.allSettled([...this.inFlight]);
    return stats;
  }

  /** Polls until `done()` or `timeoutMs` passed or the run stops; true when done. */
  private async waitUntil(done: () => boolean, timeoutMs: number, pollMs = 25): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      if (this.stopping || performance.now() >= deadline) return done();
      await pause(pollMs, this.abort.signal);
    }
    return true;
  }

  // ---- phases ---------------------------------------------------------------------------------------------

  private workload?: Workload;

  private async warmUp(): Promise<void> {
    const { options } = this;
    const workload = buildWorkload(options.mix, options.persons);
    this.workload = workload;
    this.print(
      `bench: ${workload.persons.length} persons (${Object.entries(workload.subjects)
        .map(([scenario, count]) => `${scenario} ${count}`)
        .join(
          ', ',
        )}), provider behaviours for ${workload.viberBehaviours.size} phones and ${workload.diiaBehaviours.size} tax ids`,
    );
    await this.publishWorkload(workload);
    if (options.warmupEvents === 0) return;
    this.print(`bench: warm-up: ${options.warmupEvents} events at ${options.warmupRate}/s ...`);
    await this.offer(workload, options.warmupRate, options.warmupEvents / options.warmupRate, -1);
    await this.waitUntil(() => this.tracker.pending(-1) === 0, 60_000);
    const events = this.tracker.ofStep(-1);
    const outcomes = countOutcomes(events);
    const asExpected = events.filter((event) => event.terminal === expectedOutcome(event.scenario)).length;
    this.result.warmup = {
      events: events.length,
      asExpected,
      outcomes,
      latencyMs: latencyOf(events),
    };
    this.print(
      `bench: warm-up: ${asExpected}/${events.length} as expected (${Object.entries(outcomes)
        .map(([what, n]) => `${what} ×${n}`)
        .join(', ')})`,
    );
    if (asExpected === 0 && !this.stopping)
      throw new Error(
        `no warm-up event reached its expected status; the stack is not working (logs: ${this.options.runDir})`,
      );
  }

  private async loadHistory(): Promise<void> {
    const templates = this.tracker.ofStep(-1).length > 0 ? [...this.warmupEventIds()] : [];
    if (templates.length === 0)
      throw new Error('BENCH_HISTORY needs a warm-up (BENCH_WARMUP_EVENTS > 0) to clone');
    if (this.options.target === 'running')
      this.print(
        `bench: history goes into the running system's database ${databaseName(this.stack!.databaseUrl)}`,
      );
    this.result.postgres.history = await loadHistory(
      this.stack!.databaseUrl,
      templates,
      this.options.history,
      this.print,
      this.abort.signal,
    );
    const h = this.result.postgres.history;
    this.print(
      `bench: history: ${Object.entries(h.inserted)
        .map(([table, rows]) => `${table} +${rows.toLocaleString('en')}`)
        .join(', ')} in ${h.seconds} s, ANALYZE ${h.analyzeSeconds} s`,
    );
  }

  private *warmupEventIds(): Iterable<string> {
    for (const [eventId, event] of this.tracker.events)
      if (event.step === -1 && event.terminal) yield eventId;
  }

  private async measureIdle(): Promise<IdleResult> {
    const seconds = this.options.idleSeconds;
    this.print(`bench: idle: measuring the stack doing nothing for ${seconds} s ...`);
    await pause(3000, this.abort.signal); // let the warm-up's last timers and commits settle
    const before = await this.meter!.sample();
    await pause(seconds * 1000, this.abort.signal);
    const reading = this.meter!.between(before, await this.meter!.sample());
    const percentOfCore = mapAccounts((account) =>
      reading.seconds[account] === null
        ? null
        : round((reading.seconds[account]! / reading.wallSeconds) * 100, 1),
    );
    return {
      seconds: round(reading.wallSeconds, 1),
      percentOfCore,
      stackPercentOfCore: round((reading.stackSeconds / reading.wallSeconds) * 100, 1),
      reading,
    };
  }

  private async measureRelay(): Promise<RelayResult> {
    const { options } = this;
    this.print(
      `bench: raw relay: ${options.relayMessages} messages over three topics, two relays, one sink ...`,
    );
    const cleanup = new Cleanup(this.kafka);
    try {
      const before = await this.meter!.sample();
      const relay = await benchRawRelay(
        this.kafka,
        {
          runId: options.runId,
          messages: options.relayMessages,
          warmup: Math.min(1000, options.relayMessages),
          batchSize: 200,
          idleMs: 30_000,
          deadline: Date.now() + 300_000,
        },
        cleanup,
      );
      const reading = this.meter!.between(before, await this.meter!.sample());
      const perMessage = (seconds: number | null) =>
        seconds === null || relay.arrived === 0 ? null : round((seconds * 1000) / relay.arrived, 4);
      return {
        ...relay,
        benchMsPerMessage: perMessage(reading.benchSeconds),
        kafkaMsPerMessage: perMessage(reading.seconds.kafka),
      };
    } finally {
      await cleanup.run();
    }
  }

  private async ladder(): Promise<void> {
    const { options } = this;
    this.memory!.reset();
    const ladderPeaks = new MemorySampler(this.stack!);
    ladderPeaks.start();
    try {
      for (const [index, rate] of options.rates.entries()) {
        if (this.stopping) break;
        const step = await this.runStep(index, rate);
        this.result.steps.push(step);
        this.print(stepLine(step));
        if (step.interrupted) break;
        const farBehind = step.notTerminalAfterDrain > options.behindShare * step.offered;
        if (farBehind && options.onBehind === 'stop' && index < options.rates.length - 1) {
          this.result.notes.push(
            `ladder stopped after ${rate}/s: ${step.notTerminalAfterDrain} of ${step.offered} events still open after the ${options.drainSeconds} s drain (BENCH_ON_BEHIND=continue goes on)`,
          );
          this.print(`bench: ${this.result.notes.at(-1)}`);
          break;
        }
      }
    } finally {
      this.result.memory.ladderPeakRssMiB = ladderPeaks.overallMiB();
      ladderPeaks.stop();
    }
  }

  private async runStep(index: number, rate: number): Promise<StepResult> {
    const { options } = this;
    const backlogAtStart = this.tracker.pending();
    this.print(
      `bench: step ${index + 1}/${options.rates.length}: ${rate}/s for ${options.stepSeconds} s${backlogAtStart > 0 ? ` (${backlogAtStart} earlier events still open)` : ''} ...`,
    );
    this.memory!.reset();
    const errorsBefore = this.produceErrors;
    const terminalsBefore = this.tracker.terminalsSeen;
    const cpuBefore = await this.meter!.sample();
    const loadStart = performance.now();
    const generator = await this.offer(this.workload!, rate, options.stepSeconds, index);
    const loadEnd = performance.now();
    const notTerminalAtLoadEnd = this.tracker.pending(index);
    const drained = await this.waitUntil(
      () => this.tracker.pending(index) === 0,
      options.drainSeconds * 1000,
    );
    const drainEnd = performance.now();
    const cpuAfter = await this.meter!.sample();
    const events = this.tracker.ofStep(index);
    const lastTerminal = maxOf(events, (event) => event.terminalAt ?? loadEnd);
    // Drained: until the last terminal status; else as long as we waited (the bound, or less when stopped).
    const drainSeconds = ((drained ? lastTerminal : drainEnd) - loadEnd) / 1000;

    const expected = events.filter((event) => event.terminal === expectedOutcome(event.scenario));
    const secondHalfStart = (loadStart + loadEnd) / 2;
    const inSecondHalf = events.filter(
      (event) =>
        event.terminalAt !== undefined && event.terminalAt >= secondHalfStart && event.terminalAt <= loadEnd,
    ).length;
    const deliveredPerSecond = round(inSecondHalf / ((loadEnd - secondHalfStart) / 1000), 1);
    const firstProduce = -maxOf(events, (event) => -event.producedAt);
    const lastExpected = maxOf(expected, (event) => event.terminalAt!);
    const notTerminalAfterDrain = this.tracker.pending(index);
    const offered = events.length;
    return {
      index,
      rate,
      ...(this.stopping ? { interrupted: true } : {}),
      seconds: options.stepSeconds,
      offered,
      produceErrors: this.produceErrors - errorsBefore,
      generator: {
        lateTicks: generator.lateTicks,
        largestBatch: generator.largestBatch,
        wallSeconds: round(generator.wallMs / 1000, 2),
      },
      deliveredPerSecond,
      deliveredPerSecondOverall:
        expected.length > 0 ? round(expected.length / ((lastExpected - firstProduce) / 1000), 1) : null,
      asExpected: expected.length,
      otherOutcomes: countOutcomes(
        events.filter((event) => event.terminal && event.terminal !== expectedOutcome(event.scenario)),
      ),
      latencyMs: latencyOf(events),
      stagesP50Ms: {
        resolved: stageP50(events, (event) => event.resolvedAt),
        sent: stageP50(events, (event) => event.sentAt),
      },
      backlogAtStart,
      notTerminalAtLoadEnd,
      drainSeconds: round(drainSeconds, 2),
      drained,
      notTerminalAfterDrain,
      fellBehind: !drained || deliveredPerSecond < 0.9 * rate,
      cpu: cpuPerNotification(
        this.meter!.between(cpuBefore, cpuAfter),
        this.tracker.terminalsSeen - terminalsBefore,
        this.result.idle,
      ),
      peakRssMiB: this.memory!.peaksMiB(),
      ...(options.workload === 'mixed' ? { scenarios: scenarioResults(events) } : {}),
      crossTalkEvents: events.filter((event) => event.crossTalk).length,
      duplicateTerminals: events.reduce((sum, event) => sum + event.duplicateTerminals, 0),
    };
  }

  private addNotes(): void {
    const { options } = this;
    this.result.notes.push(
      `Open loop: each step offers its rate for ${options.stepSeconds} s from a ${options.tickMs} ms timer, whatever the stack does; delivered/s counts this step's terminal statuses arriving in the second half of the load.`,
      `CPU per notification = CPU of each process from the step start to the end of its drain ÷ terminal statuses seen in that window. Postgres = postmaster, background processes, backends of database ${databaseName(options.databaseUrl)} and exited backends; other databases' backends on the shared server are left out (in the JSON).`,
    );
    if (options.target === 'running')
      this.result.notes.push(
        'Against a running npm start: its provider delays, log level and database apply, and the bench cannot reset them.',
      );
    if (this.result.steps.some((step) => step.crossTalkEvents > 0))
      this.result.notes.push(
        'Some events were decided by another system on this broker: the numbers are not clean.',
      );
  }
}

// ---- helpers ------------------------------------------------------------------------------------------------

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Math.max over a large array without spreading it into arguments (120,000 events a step). */
function maxOf<T>(items: T[], value: (item: T) => number): number {
  let max = -Infinity;
  for (const item of items) max = Math.max(max, value(item));
  return max;
}

const loadAverage = () => loadavg().map((value) => round(value, 2));

function mapAccounts<T>(value: (account: CpuAccount) => T): Record<CpuAccount, T> {
  return Object.fromEntries(CPU_ACCOUNTS.map((account) => [account, value(account)])) as Record<
    CpuAccount,
    T
  >;
}

/**
 * CPU of the window ÷ notifications. With an idle reading, also the cost above idle: what the stack burns
 * anyway (polling loops) taken out at the idle rate, so the marginal cost of a notification shows.
 */
function cpuPerNotification(
  reading: CpuReading,
  notifications: number,
  idle?: IdleResult,
): CpuPerNotification {
  const per = (seconds: number | null) =>
    seconds === null || notifications === 0 ? null : round((seconds * 1000) / notifications, 3);
  const idleSeconds = (account: CpuAccount) => {
    const percent = idle?.percentOfCore[account];
    return percent === null || percent === undefined ? 0 : (percent / 100) * reading.wallSeconds;
  };
  return {
    ...(idle
      ? {
          aboveIdleMsPerNotification: mapAccounts((account) =>
            reading.seconds[account] === null ? null : per(reading.seconds[account]! - idleSeconds(account)),
          ),
          stackAboveIdleMsPerNotification: per(
            reading.stackSeconds - (idle.stackPercentOfCore / 100) * reading.wallSeconds,
          ),
        }
      : {}),
    windowSeconds: round(reading.wallSeconds, 2),
    notifications,
    msPerNotification: mapAccounts((account) => per(reading.seconds[account])),
    stackMsPerNotification: per(reading.stackSeconds),
    stackCores: round(reading.stackSeconds / reading.wallSeconds, 2),
    reading,
  };
}

/** Produce → the expected terminal status; events without it count as not reached. */
function latencyOf(events: TrackedEvent[]): CensoredSummary {
  const offered = events.filter((event) => !event.produceFailed);
  const reached = offered.filter((event) => event.terminal === expectedOutcome(event.scenario));
  return summarizeCensored(
    reached.map((event) => event.terminalAt! - event.producedAt),
    offered.length - reached.length,
  );
}

function stageP50(events: TrackedEvent[], at: (event: TrackedEvent) => number | undefined): number | null {
  const values = events
    .flatMap((event) => {
      const time = at(event);
      return time === undefined ? [] : [time - event.producedAt];
    })
    .sort((a, b) => a - b);
  return values.length === 0 ? null : round(nearestRank(values, 0.5), 1);
}

function countOutcomes(events: TrackedEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) {
    const what = event.terminal ?? (event.produceFailed ? 'produce failed' : 'not terminal');
    counts[what] = (counts[what] ?? 0) + 1;
  }
  return counts;
}

function scenarioResults(events: TrackedEvent[]): Partial<Record<ScenarioName, ScenarioResult>> {
  const result: Partial<Record<ScenarioName, ScenarioResult>> = {};
  for (const scenario of Object.keys(SCENARIOS) as ScenarioName[]) {
    const own = events.filter((event) => event.scenario === scenario);
    if (own.length === 0) continue;
    result[scenario] = {
      offered: own.length,
      expected: expectedOutcome(scenario),
      asExpected: own.filter((event) => event.terminal === expectedOutcome(scenario)).length,
      outcomes: countOutcomes(own),
      latencyMs: latencyOf(own),
    };
  }
  return result;
}

function stepLine(step: StepResult): string {
  const ms = (value: number | null) => (value === null ? 'not reached' : `${Math.round(value)} ms`);
  return (
    `bench: ${step.rate}/s${step.interrupted ? ' (interrupted)' : ''}: ${step.offered} events, ${step.deliveredPerSecond}/s delivered, p50 ${ms(step.latencyMs.p50)}, p99 ${ms(step.latencyMs.p99)}, ` +
    `${step.notTerminalAtLoadEnd} open at load end, ${step.notTerminalAfterDrain} after ${step.drainSeconds} s drain, ` +
    `${step.cpu.stackMsPerNotification ?? 'n/a'} ms CPU/notification`
  );
}

/**
 * The bench's own Kafka client. Its log goes to a file: a fresh broker answers "coordinator not available"
 * for a while, kafkajs retries and logs each one, and that is not news for the console.
 */
function benchKafka(logFile: string): Kafka {
  return new Kafka({
    clientId: 'esoz-notify-bench',
    brokers: brokers(),
    logLevel: logLevel.WARN,
    retry: { retries: 8, initialRetryTime: 200 },
    logCreator:
      () =>
      ({ namespace, level, log }) =>
        appendFileSync(
          logFile,
          `${JSON.stringify({ at: new Date().toISOString(), level, namespace, ...log })}\n`,
        ),
  });
}

/** The broker's JVM, when the first broker is on this machine. */
function localKafkaPid(): number | undefined {
  const [host, port] = brokers()[0].split(':');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) return undefined;
  return pidListeningOn(Number(port));
}

function gitState(root: string): { commit: string; uncommittedFiles: number } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' });
    return { commit, uncommittedFiles: status.split('\n').filter(Boolean).length };
  } catch {
    return { commit: 'unknown', uncommittedFiles: 0 };
  }
}

async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** Sleeps `ms`, waking early when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
