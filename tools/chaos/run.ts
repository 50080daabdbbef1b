import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CONSUMED_TOPICS, Topic } from '@app/contracts';
import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type Message,
  type PartitionMetadata,
  type Producer,
} from 'kafkajs';
import { runMigrations } from '../../libs/database/src/migrate';
import { ensureContractTopics } from '../ensure-topics';
import { deleteGroupsQuietly, startGroupAtEnd, wire } from '../lib/kafka';
import { portInUse, requestJson, sleep } from '../lib/net';
import {
  attributeSmscMessages,
  checkRun,
  type CheckResult,
  type DeliveryRow,
  type NotificationRow,
  type SimulatorMessage,
  type StatusRow,
} from './check';
import { ChildApp, type ExitInfo } from './children';
import { APPS, FaultRunner, planFaults, type AppName } from './faults';
import { ensurePostgresRunning, KafkaCluster, recreateDatabase, runCommand } from './infra';
import { Db, DiiaPushCollector, TopicProbe } from './observe';
import type { ChaosOptions } from './options';
import { SeededRandom } from '@app/testing';
import { formatReport, verdictOf, writeReport, type ChaosReport, type CrashRecord } from './report';
import { buildMessage, buildWorkload, type ChaosEvent, type Workload } from './workload';
import { APP_NODE_OPTIONS } from '../lib/app-process';

const CONSUMED: Record<AppName, Topic[]> = {
  resolver: [Topic.Person, Topic.NotificationRequested],
  'viber-sender': [Topic.DeliveryViber],
  'sms-sender': [Topic.DeliverySms],
  'diia-push-stub': [Topic.DeliveryDiia],
  'info-slip-renderer': [Topic.DeliverySlip],
};

/** Env the apps inherit from the harness: only what a process needs to run, never app settings. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER', 'JAVA_HOME'];

/**
 * One chaos run, start to finish: infrastructure, apps as child processes, persons, events at a steady
 * rate while faults are injected, drain, checks, report. Cleans up everything it started, whatever happens.
 * Shared by `npm run chaos` (tools/chaos.ts) and the fast subset in `npm test` (test/chaos-lite.int-spec.ts).
 */
export async function runChaos(options: ChaosOptions, signal?: AbortSignal): Promise<ChaosReport> {
  const run = new ChaosRun(options, signal);
  return run.execute();
}

class ChaosRun {
  private readonly random: SeededRandom;
  private readonly workload: Workload;
  private readonly apps = new Map<string, ChildApp>();
  private readonly crashes: CrashRecord[] = [];
  private readonly infraLog: string;
  private readonly abort = new AbortController();
  private readonly startedAt = new Date();
  /** What was built and run: other work may be in progress in the same tree. */
  private readonly code: { commit: string; uncommittedPaths: string[] };
  private cluster?: KafkaCluster;
  private kafka?: Kafka;
  private admin?: Admin;
  private producer?: Producer;
  private probe?: TopicProbe;
  private diia?: DiiaPushCollector;
  private faults?: FaultRunner;
  private db?: Db;
  private t0 = 0;
  private publishEndedAt = 0;
  private sendRetries = 0;
  private lastSendWarning = 0;
  /** The partitioner kafkajs would use (murmur2 of the key), applied here so each send has one partition. */
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly partitionCounts = new Map<string, number>();
  private aborted?: string;
  private cleaningUp = false;

  constructor(
    private readonly options: ChaosOptions,
    external?: AbortSignal,
  ) {
    this.code = gitState(options.root);
    this.random = new SeededRandom(options.seed);
    this.workload = buildWorkload(this.random, {
      events: options.events,
      republishShare: options.republishShare,
      codeTtlSeconds: options.codeTtlSeconds,
    });
    mkdirSync(options.runDir, { recursive: true });
    this.infraLog = join(options.runDir, 'infra.log');
    const onExternalAbort = () => this.stop(`interrupted (${String(external?.reason ?? 'signal')})`);
    if (external?.aborted) onExternalAbort();
    external?.addEventListener('abort', onExternalAbort, { once: true });
  }

  /** Progress lines, with the wall-clock time (to match the apps' logs). */
  private readonly print = (line: string) =>
    this.options.print(line ? `${new Date().toISOString().slice(11, 19)} ${line}` : line);

  private stop(reason: string): void {
    if (this.abort.signal.aborted) return;
    this.aborted = reason;
    this.print(`chaos: stopping early: ${reason}`);
    this.abort.abort(new Error(reason));
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  /** Sleeps, but wakes up when the run is stopped. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping) return resolve();
      const timer = setTimeout(done, ms);
      const signal = this.abort.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async execute(): Promise<ChaosReport> {
    const { options } = this;
    const overall = setTimeout(
      () => this.stop(`overall timeout of ${options.overallTimeoutMs / 1000} s`),
      options.overallTimeoutMs,
    );
    let report: ChaosReport | undefined;
    let drain: ChaosReport['drain'] = {
      drained: false,
      timeToDrainS: null,
      eventsWithoutTerminal: this.workload.events.length,
    };
    let result: CheckResult | undefined;
    let dlq: ChaosReport['dlq'] = { ours: {}, growthAllGroups: {} };
    try {
      this.print(
        `chaos: ${options.runId}, seed ${options.seed}: ${this.workload.events.length} events for ${this.workload.persons.length} persons at ${options.ratePerSecond}/s; logs in ${options.runDir}`,
      );
      await this.startInfrastructure();
      if (!this.stopping) await this.startSystem();
      if (!this.stopping) await this.publishPersons();
      if (!this.stopping) await this.setBehaviours();
      if (!this.stopping) await this.publishEvents();
      if (this.publishEndedAt > 0) drain = await this.drain();
      if (this.t0 > 0) {
        ({ result, dlq } = await this.collectAndCheck());
      }
    } catch (error) {
      const message = (error as Error).message;
      this.aborted ??= `failed: ${message}`;
      this.print(`chaos: ${message}`);
      appendFileSync(this.infraLog, `\n[chaos] error: ${(error as Error).stack}\n`);
    } finally {
      clearTimeout(overall);
      this.faults?.cancelPending();
      report = this.buildReport(drain, result, dlq);
      try {
        writeReport(report, options.reportDir, options.root);
      } catch (error) {
        this.print(`chaos: could not write the report: ${(error as Error).message}`);
      }
      options.print('');
      options.print(formatReport(report, options.root));
      options.print('');
      await this.cleanup();
    }
    return report;
  }

  // ---- infrastructure -----------------------------------------------------------------------------------

  private async startInfrastructure(): Promise<void> {
    const { options } = this;
    const busy = [];
    for (const [app, port] of Object.entries(options.ports))
      if (await portInUse(port)) busy.push(`${app} :${port}`);
    if (busy.length > 0) throw new Error(`ports in use (another chaos run?): ${busy.join(', ')}`);

    this.print(
      `chaos: database ${options.databaseUrl.replace(/\/\/[^@]*@/, '//')} (dropped and created again)`,
    );
    await recreateDatabase(options.root, options.databaseUrl, this.infraLog);
    await runMigrations(options.databaseUrl);
    this.db = new Db(options.databaseUrl);

    let brokers: string[];
    if (options.kafka.mode === 'cluster') {
      const setup = options.kafka;
      this.cluster = new KafkaCluster(options.root, setup.stateDir, setup.ports, this.infraLog);
      // A cluster of an earlier, interrupted run in our state dir is ours to stop; its data goes.
      await this.cluster.stop();
      const clusterDir = join(setup.stateDir, 'cluster');
      if (existsSync(clusterDir)) rmSync(clusterDir, { recursive: true, force: true });
      const taken = [];
      for (const port of setup.ports.flatMap((port) => [port, port + 1]))
        if (await portInUse(port)) taken.push(port);
      if (taken.length > 0)
        throw new Error(
          `Kafka cluster ports in use by another process: ${taken.join(', ')} (set CHAOS_KAFKA_PORTS)`,
        );
      this.print(`chaos: starting the 3-node Kafka cluster (${setup.ports.join(', ')}) ...`);
      const started = await this.cluster.start();
      this.print(`chaos: cluster up in ${(started.ms / 1000).toFixed(1)} s`);
      brokers = this.cluster.brokers;
      const created = await ensureContractTopics({
        KAFKA_BROKERS: brokers.join(','),
        KAFKA_REPLICATION_FACTOR: String(setup.replicationFactor),
        KAFKA_MIN_INSYNC_REPLICAS: String(setup.minInsyncReplicas),
        KAFKA_PARTITIONS: '6',
      });
      this.print(
        `chaos: ${created.length} topics created, replication factor ${setup.replicationFactor}, min.insync.replicas ${setup.minInsyncReplicas}`,
      );
    } else {
      brokers = options.kafka.brokers;
      await ensureContractTopics({ KAFKA_BROKERS: brokers.join(',') });
    }

    this.kafka = new Kafka({
      clientId: `esoz-notify-${options.name}`,
      brokers,
      logLevel: logLevel.WARN,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5000 },
      logCreator:
        () =>
        ({ namespace, level, log }) =>
          appendFileSync(
            join(options.runDir, 'harness-kafkajs.log'),
            `${JSON.stringify({ at: new Date().toISOString(), level, namespace, ...log })}\n`,
          ),
    });
    this.admin = this.kafka.admin();
    await this.admin.connect();
    if (options.kafka.mode === 'external') {
      // Shared topics with history: fresh groups start at the current ends, so nothing of earlier runs or
      // other suites is replayed. (The chaos cluster is new: its groups read this run's messages from 0.)
      // Retried: a group of an interrupted earlier run may still be in its session timeout.
      await retrying('positioning consumer groups', () =>
        Promise.all(
          APPS.map((app) => startGroupAtEnd(this.admin!, `${options.groupPrefix}.${app}`, CONSUMED[app])),
        ),
      );
    }
    const ours = new Set(this.workload.events.map((event) => event.eventId));
    const probe = new TopicProbe(
      this.kafka,
      `${options.groupPrefix}.probe`,
      (id) => ours.has(id),
      options.groupPrefix,
    );
    this.probe = probe;
    // Retried: right after topic creation, partition leadership is still being announced.
    await retrying('reading topic ends', () => probe.recordEnds(this.admin!));
    await probe.begin();
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 5 } });
    await this.producer.connect();
  }

  // ---- apps -----------------------------------------------------------------------------------------------

  private appEnv(app: AppName | 'provider-simulator'): Record<string, string> {
    const { options } = this;
    const inherited = Object.fromEntries(
      INHERITED_ENV.flatMap((key) => (process.env[key] ? [[key, process.env[key]!]] : [])),
    );
    const simulator = `http://127.0.0.1:${options.ports['provider-simulator']}`;
    const brokers = this.cluster
      ? this.cluster.brokers
      : options.kafka.mode === 'external'
        ? options.kafka.brokers
        : [];
    const shared = {
      ...inherited,
      NODE_ENV: 'development',
      NODE_OPTIONS: `--disable-warning=TimeoutNegativeWarning ${APP_NODE_OPTIONS}`,
      MALLOC_ARENA_MAX: '2',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(options.ports[app]),
    };
    if (app === 'provider-simulator')
      return {
        ...shared,
        VIBER_CALLBACK_URL: `http://127.0.0.1:${options.ports['viber-sender']}/webhooks/turbosms`,
        SMS_CALLBACK_URL: `http://127.0.0.1:${options.ports['sms-sender']}/webhooks/turbosms`,
        SMSC_CALLBACK_URL: `http://127.0.0.1:${options.ports['sms-sender']}/webhooks/smsc`,
        ...options.appEnv[app],
      };
    return {
      ...shared,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_GROUP_PREFIX: options.groupPrefix,
      DATABASE_URL: options.databaseUrl,
      DATABASE_POOL_SIZE: '5',
      PROVIDER_BASE_URL: simulator,
      SMSC_BASE_URL: simulator,
      ...options.appEnv[app],
    };
  }

  private async startSystem(): Promise<void> {
    const { options } = this;
    const names = ['provider-simulator', ...APPS] as const;
    for (const name of names) {
      const app = new ChildApp(
        {
          name,
          script: join(options.root, 'dist/apps', name, 'src/main.js'),
          env: this.appEnv(name),
          port: options.ports[name],
          logFile: join(options.runDir, `${name}.log`),
          cwd: options.root,
          ...(name === 'provider-simulator' ? {} : { readyLine: `"msg":"${name} started"` }),
        },
        (child, exit) => this.onUnexpectedExit(child, exit),
      );
      if (!existsSync(app.spec.script))
        throw new Error(`${app.spec.script} is missing: build first (npm run build)`);
      this.apps.set(name, app);
    }
    this.print(`chaos: starting the provider simulator and ${APPS.length} apps as child processes ...`);
    const started = Date.now();
    for (const app of this.apps.values()) app.start();
    await Promise.all([...this.apps.values()].map((app) => app.waitReady(120_000)));
    this.print(
      `chaos: all up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${[...this.apps.values()].map((app) => `${app.name} :${app.spec.port} (pid ${app.pid})`).join(', ')}`,
    );
    this.diia = new DiiaPushCollector(this.apps.get('diia-push-stub')!.url);
    this.diia.start();
  }

  /** An app died without being killed by us: record it with its last log lines and restart it (as a supervisor would). */
  private onUnexpectedExit(app: ChildApp, exit: ExitInfo): void {
    if (this.cleaningUp || this.stopping) return;
    const crash: CrashRecord = {
      app: app.name,
      at: new Date(exit.at).toISOString(),
      offsetS: this.t0 ? Math.round((exit.at - this.t0) / 100) / 10 : 0,
      exit: exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`,
      lastLogLines: app.tail(15),
      restarted: 'restarting in 2 s',
    };
    this.crashes.push(crash);
    this.print(`chaos: ${app.name} exited on its own (${crash.exit}); see ${app.spec.logFile}`);
    void (async () => {
      await sleep(2000);
      if (this.cleaningUp || this.stopping || app.running) return;
      app.start();
      const start = app.starts;
      const pid = app.pid;
      try {
        const ms = await app.waitReady(120_000, () => this.afterHealthy(app));
        crash.restarted = `restarted as pid ${pid}, ready after ${(ms / 1000).toFixed(1)} s`;
      } catch (error) {
        crash.restarted =
          app.starts !== start
            ? `restarted as pid ${pid}, which a planned SIGKILL hit before it was ready`
            : `restarted as pid ${pid}, which did not come up: ${(error as Error).message}`;
      }
    })();
  }

  /** The Diia stub plays Diia in the same process: its per-taxId behaviours die with it. */
  private async afterHealthy(app: ChildApp): Promise<void> {
    if (app.name === 'diia-push-stub') await this.setDiiaBehaviours();
  }

  // ---- workload -------------------------------------------------------------------------------------------

  private async publishPersons(): Promise<void> {
    const { persons } = this.workload;
    const messages = persons.map((person) => ({
      key: person.snapshot.id,
      value: JSON.stringify(person.snapshot),
    }));
    for (let start = 0; start < messages.length; start += 500)
      await this.send(Topic.Person, messages.slice(start, start + 500));
    const ids = persons.map((person) => person.snapshot.id);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const [row] = await this.db!.query<{ count: string }>(
        `SELECT count(*) FROM person WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      if (Number(row.count) === ids.length) break;
      if (Date.now() > deadline)
        throw new Error(`only ${row.count} of ${ids.length} persons reached the resolver in 120 s`);
      if (this.stopping) return;
      await this.pause(250);
    }
    this.print(`chaos: ${persons.length} persons in the resolver's read model`);
  }

  private async setBehaviours(): Promise<void> {
    const simulator = this.apps.get('provider-simulator')!.url;
    const phones = this.workload.persons.filter((person) => person.phone && (person.viber || person.sms));
    await inParallel(phones, 8, async (person) => {
      const body = {
        ...(person.viber ? { viber: person.viber } : {}),
        ...(person.sms ? { sms: person.sms } : {}),
      };
      const { status } = await requestJson(
        'PUT',
        `${simulator}/__control/recipients/${encodeURIComponent(person.phone!)}`,
        {
          body,
        },
      );
      if (status !== 200) throw new Error(`simulator behaviour: HTTP ${status}`);
    });
    await this.setDiiaBehaviours();
    this.print(
      `chaos: provider behaviours set for ${phones.length} phones and ${this.diiaPersons().length} tax ids`,
    );
  }

  private diiaPersons() {
    return this.workload.persons.filter((person) => person.diia && person.snapshot.taxId);
  }

  private async setDiiaBehaviours(): Promise<void> {
    const stub = this.apps.get('diia-push-stub')!.url;
    await inParallel(this.diiaPersons(), 8, async (person) => {
      const { status } = await requestJson('PUT', `${stub}/__control/recipients/${person.snapshot.taxId}`, {
        body: { diia: person.diia },
      });
      if (status >= 300) throw new Error(`Diia stub behaviour: HTTP ${status}`);
    });
  }

  /**
   * Sends until the broker takes it (a broker is killed meanwhile); a resend is a no-op by eventId.
   *
   * One send per partition, each naming its partition: kafkajs 2.2.4 can resolve a multi-broker send
   * whose retry skipped messages (sendMessages keeps the brokers that already answered and, after a
   * leader moves to one of them, never sends the moved partitions; tulios/kafkajs#1303). A send that
   * touches one partition has one leader, so a retry always goes to the new leader.
   */
  private async send(contractTopic: string, messages: Message[]): Promise<void> {
    const topic = wire(contractTopic);
    const partitions = await this.partitionCount(topic);
    const metadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
    const byPartition = new Map<number, Message[]>();
    for (const message of messages) {
      const partition = this.partitioner({
        topic,
        partitionMetadata: metadata as PartitionMetadata[],
        message,
      });
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), { ...message, partition }]);
    }
    await Promise.all([...byPartition.values()].map((batch) => this.sendOnePartition(topic, batch)));
  }

  private async partitionCount(topic: string): Promise<number> {
    let count = this.partitionCounts.get(topic);
    if (count === undefined) {
      count = (await retrying(`partitions of ${topic}`, () => this.admin!.fetchTopicOffsets(topic))).length;
      this.partitionCounts.set(topic, count);
    }
    return count;
  }

  private async sendOnePartition(topic: string, messages: Message[]): Promise<void> {
    for (;;) {
      try {
        await this.producer!.send({ topic, messages, acks: -1 });
        return;
      } catch (error) {
        this.sendRetries++;
        if (this.stopping)
          throw new Error(`publishing stopped: ${(error as Error).message}`, { cause: error });
        if (Date.now() - this.lastSendWarning > 10_000) {
          this.lastSendWarning = Date.now();
          this.print(`chaos: publishing to ${topic} failed (${(error as Error).message}); retrying`);
        }
        await this.pause(1000);
      }
    }
  }

  private async publishEvents(): Promise<void> {
    const { options } = this;
    const events = this.workload.events;
    const publishS = events.length / options.ratePerSecond;
    const plan = planFaults(this.random, options.faults, publishS);
    this.faults = new FaultRunner({
      apps: this.apps,
      cluster: this.cluster,
      simulatorUrl: this.apps.get('provider-simulator')!.url,
      databaseUrl: options.databaseUrl,
      root: options.root,
      infraLog: this.infraLog,
      random: this.random,
      readyTimeoutMs: 150_000,
      beforeKill: async (app) => {
        if (app.name === 'diia-push-stub') await this.diia?.poll();
      },
      onHealthy: (app) => this.afterHealthy(app),
      print: this.print,
    });
    this.print(
      `chaos: publishing ${events.length} events over ~${publishS.toFixed(0)} s; ${plan.length} faults planned: ${plan.map((fault) => `${fault.kind} ${fault.target} @${fault.atS.toFixed(0)}s`).join(', ')}`,
    );
    this.t0 = Date.now();
    this.faults.start(plan);
    const republish: { at: number; event: ChaosEvent }[] = [];
    let next = 0;
    let lastProgress = Date.now();
    while ((next < events.length || republish.length > 0) && !this.stopping) {
      const now = Date.now();
      const due = Math.min(events.length, Math.floor(((now - this.t0) / 1000) * options.ratePerSecond) + 1);
      const batch = events.slice(next, due);
      const again = republish.filter((item) => item.at <= now);
      if (batch.length + again.length > 0) {
        for (const event of batch) {
          event.message = buildMessage(event, this.random, options.codeTtlSeconds);
          event.publishedAt = now;
          if (event.republishAfterS) republish.push({ at: now + event.republishAfterS * 1000, event });
        }
        for (const item of again) republish.splice(republish.indexOf(item), 1);
        await this.send(
          Topic.NotificationRequested,
          [...batch, ...again.map((item) => item.event)].map((event) => ({
            key: event.subject.snapshot.id,
            value: JSON.stringify(event.message),
          })),
        );
        next = due;
      }
      if (Date.now() - lastProgress >= 10_000) {
        lastProgress = Date.now();
        await this.progress(`published ${next}/${events.length}`);
      }
      await this.pause(100);
    }
    this.publishEndedAt = Date.now();
    this.print(`chaos: last event published after ${((this.publishEndedAt - this.t0) / 1000).toFixed(1)} s`);
  }

  private published(): ChaosEvent[] {
    return this.workload.events.filter((event) => event.publishedAt !== undefined);
  }

  private async terminalCount(ids: string[]): Promise<number> {
    const [row] = await this.db!.query<{ count: string }>(
      `SELECT count(*) FROM notification_status_log WHERE is_terminal AND event_id = ANY($1::uuid[])`,
      [ids],
    );
    return Number(row.count);
  }

  private async progress(what: string): Promise<void> {
    const ids = this.published().map((event) => event.eventId);
    const terminal = await this.terminalCount(ids).catch(() => NaN);
    const down = [...this.apps.values()].filter((app) => !app.running).map((app) => app.name);
    this.print(
      `[+${((Date.now() - this.t0) / 1000).toFixed(0)}s] ${what}, terminal ${terminal}/${ids.length}, faults done ${this.faults?.records.length ?? 0} (in flight ${this.faults?.inFlight ?? 0})${down.length ? `, down: ${down.join(', ')}` : ''}`,
    );
  }

  // ---- drain and checks -----------------------------------------------------------------------------------

  private async drain(): Promise<ChaosReport['drain']> {
    const ids = this.published().map((event) => event.eventId);
    const deadline = this.publishEndedAt + this.options.drainTimeoutMs;
    let terminal = 0;
    let lastProgress = Date.now();
    while (!this.stopping) {
      terminal = await this.terminalCount(ids);
      if (terminal >= ids.length || Date.now() > deadline) break;
      if (Date.now() - lastProgress >= 10_000) {
        lastProgress = Date.now();
        await this.progress('draining');
      }
      await this.pause(1000);
    }
    const drained = terminal >= ids.length;
    const timeToDrainS = drained ? Math.round((Date.now() - this.publishEndedAt) / 100) / 10 : null;
    this.print(
      drained
        ? `chaos: drained ${timeToDrainS} s after the last event`
        : `chaos: NOT drained: ${ids.length - terminal} of ${ids.length} events without a terminal status`,
    );
    // Faults still in progress (a broker coming back) finish before the books are closed.
    if (!(await this.faults!.waitDone(this.stopping ? 5_000 : 180_000)))
      this.print('chaos: some faults were still in progress');
    // A moment for late reports, a second (wrong) terminal status or a duplicate message to show up.
    await this.settle();
    return { drained, timeToDrainS, eventsWithoutTerminal: ids.length - terminal };
  }

  /** Up to 30 s until no delivery of this run is in flight and the outbox is empty, then 5 s more. */
  private async settle(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!this.stopping && Date.now() < deadline) {
      const [row] = await this.db!.query<{ busy: string; outbox: string }>(
        `SELECT (SELECT count(*) FROM delivery WHERE state IN ('PENDING', 'SENT')) AS busy,
                (SELECT count(*) FROM outbox_message) AS outbox`,
      );
      if (Number(row.busy) === 0 && Number(row.outbox) === 0) break;
      await this.pause(1000);
    }
    await this.pause(5000);
  }

  private async collectAndCheck(): Promise<{ result: CheckResult; dlq: ChaosReport['dlq'] }> {
    // The probe must have read everything published to the status topic and the DLQs.
    const deadline = Date.now() + (this.stopping ? 10_000 : 60_000);
    let caughtUp = false;
    while (Date.now() < deadline && !(caughtUp = await this.probe!.caughtUp(this.admin!).catch(() => false)))
      await sleep(500);
    if (!caughtUp)
      this.print('chaos: the status/DLQ probe did not catch up; "not announced" findings may be false');
    await this.diia?.poll();
    const events = this.published();
    const ids = events.map((event) => event.eventId);
    const db = this.db!;
    const [notifications, statuses, deliveries, outbox] = await Promise.all([
      db.query<NotificationRow>(
        `SELECT id, event_id, state FROM notification WHERE event_id = ANY($1::uuid[])`,
        [ids],
      ),
      db.query<StatusRow>(
        `SELECT event_id, notification_id, status, channel, reason, is_terminal, at FROM notification_status_log ORDER BY id`,
      ),
      db.query<DeliveryRow>(
        `SELECT id, event_id, notification_id, channel, state, (command->>'step')::int AS step, attempts,
                provider_message_id, last_error, late_report
         FROM delivery ORDER BY created_at, id`,
      ),
      db.query<{ count: string }>(`SELECT count(*) FROM outbox_message`),
    ]);
    const smsPhones = await db.query<{ id: string; phone: string | null }>(
      `SELECT id, command->'recipient'->>'phone' AS phone FROM delivery WHERE channel = 'SMS'`,
    );
    const simulator = this.apps.get('provider-simulator')!;
    const { status, body } = await requestJson<SimulatorMessage[]>(
      'GET',
      `${simulator.url}/__control/messages`,
      {
        timeoutMs: 30_000,
      },
    );
    if (status !== 200 || !body) throw new Error(`simulator messages: HTTP ${status}`);
    const result = checkRun({
      events: events.map((event) => ({
        eventId: event.eventId,
        type: event.type,
        expected: event.expected,
        publishedAt: event.publishedAt!,
        recipientPhone: event.subject.recipientPhone,
      })),
      notifications,
      statuses,
      deliveries,
      simulatorMessages: attributeSmscMessages(body, smsPhones),
      diiaPushIds: new Set(this.diia?.pushes.keys() ?? []),
      announced: this.probe!.terminals,
      inputEvents: this.probe!.inputEvents,
      untouchedPhones: this.workload.untouchedPhones,
      deadLetters: this.probe!.deadLetters,
      outboxLeft: Number(outbox[0].count),
    });
    const ours: Record<string, number> = Object.fromEntries(
      CONSUMED_TOPICS.map((topic) => [`${topic}.dlq`, 0]),
    );
    for (const letter of this.probe!.deadLetters) ours[letter.topic] = (ours[letter.topic] ?? 0) + 1;
    const growthAllGroups = await this.probe!.dlqGrowth(this.admin!).catch(() => ({}));
    return { result, dlq: { ours, growthAllGroups } };
  }

  private buildReport(
    drain: ChaosReport['drain'],
    result: CheckResult | undefined,
    dlq: ChaosReport['dlq'],
  ): ChaosReport {
    const { options } = this;
    const events = this.published();
    const count = <T>(items: T[], key: (item: T) => string) => {
      const counts: Record<string, number> = {};
      for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
      return counts;
    };
    const faults = this.faults?.records ?? [];
    const body: Omit<ChaosReport, 'verdict'> = {
      name: options.name,
      runId: options.runId,
      seed: options.seed,
      ...(this.aborted ? { aborted: this.aborted } : {}),
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      settings: {
        code: this.code,
        events: options.events,
        ratePerSecond: options.ratePerSecond,
        kafka:
          options.kafka.mode === 'cluster'
            ? {
                mode: 'cluster (scripts/kafka.sh cluster-start)',
                brokers: this.cluster?.brokers,
                replicationFactor: options.kafka.replicationFactor,
                minInsyncReplicas: options.kafka.minInsyncReplicas,
                stateDir: options.kafka.stateDir,
              }
            : { mode: 'external', brokers: options.kafka.brokers },
        database: options.databaseUrl.replace(/\/\/[^@]*@/, '//'),
        groupPrefix: options.groupPrefix,
        ports: options.ports,
        appEnv: options.appEnv,
        faultPlan: options.faults,
        drainTimeoutS: options.drainTimeoutMs / 1000,
        overallTimeoutS: options.overallTimeoutMs / 1000,
      },
      workload: {
        events: events.length,
        persons: this.workload.persons.length,
        republished: events.filter((event) => event.republishAfterS !== undefined).length,
        byExpectedOutcome: count(events, (event) => event.expected),
        byType: count(events, (event) => event.type),
      },
      publish: {
        durationS: this.publishEndedAt ? Math.round((this.publishEndedAt - this.t0) / 100) / 10 : 0,
        ratePerSecond: options.ratePerSecond,
        sendRetries: this.sendRetries,
      },
      faults: {
        injected: faults.filter((fault) => !fault.error).length,
        failed: faults.filter((fault) => fault.error).length,
        byKind: count(
          faults.filter((fault) => !fault.error),
          (fault) => fault.kind,
        ),
        list: [...faults].sort((a, b) => a.offsetS - b.offsetS),
        unexpectedExits: this.crashes,
      },
      drain,
      ...(result
        ? {
            result: (({ findings, ...rest }) => ({ ...rest, findingExamples: exampleFindings(findings) }))(
              result,
            ),
          }
        : {}),
      dlq,
      logs: options.runDir,
    };
    return { ...body, verdict: verdictOf(body) };
  }

  // ---- clean-up -------------------------------------------------------------------------------------------

  /** Every step bounded; each runs whatever happened before. */
  private async cleanup(): Promise<void> {
    this.cleaningUp = true;
    const { options } = this;
    const step = async (what: string, work: () => Promise<unknown>, timeoutMs = 60_000) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          work(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
          }),
        ]);
      } catch (error) {
        this.print(`chaos: clean-up: ${what}: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    };
    this.print('chaos: cleaning up ...');
    this.faults?.cancelPending();
    this.diia?.stop();
    // Faults in flight (a broker restart, a Postgres restart) end by themselves within their bounds.
    if (this.faults) await step('faults in progress', () => this.faults!.waitDone(60_000), 70_000);
    await step('status probe', () => this.probe?.stop() ?? Promise.resolve(), 20_000);
    await step('producer', () => this.producer?.disconnect() ?? Promise.resolve(), 20_000);
    // Apps first (SIGTERM, SIGKILL after 10 s), the simulator last so no sender loses its provider mid-stop.
    const apps = [...this.apps.values()].filter((app) => app.name !== 'provider-simulator');
    await step('apps', () => Promise.all(apps.map((app) => app.stop(10_000))), 30_000);
    await step(
      'simulator',
      () => this.apps.get('provider-simulator')?.stop(5_000) ?? Promise.resolve(),
      15_000,
    );
    if (this.cluster) {
      // A node-start still waiting holds kafka.sh's lock: end it first (the broker itself is detached).
      this.cluster.abortInFlight();
      await step('Kafka cluster', () => this.cluster!.stop(), 120_000);
    } else if (this.admin) {
      const groups = [...APPS.map((app) => `${options.groupPrefix}.${app}`), `${options.groupPrefix}.probe`];
      await step('consumer groups', () => deleteGroupsQuietly(this.admin!, groups), 30_000);
    }
    await step('admin', () => this.admin?.disconnect() ?? Promise.resolve(), 10_000);
    await step('database pool', () => this.db?.end() ?? Promise.resolve(), 10_000);
    await step(
      'Postgres running',
      () => ensurePostgresRunning(options.databaseUrl, options.root, this.infraLog),
      120_000,
    );
    const left = [...this.apps.values()]
      .filter((app) => app.running)
      .map((app) => `${app.name} (pid ${app.pid})`);
    if (left.length > 0) this.print(`chaos: clean-up: still running: ${left.join(', ')}`);
    if (this.cluster) {
      const status = await runCommand('bash', [join(options.root, 'scripts/kafka.sh'), 'status'], {
        cwd: options.root,
        env: { KAFKA_STATE_DIR: this.cluster.stateDir, KAFKA_CLUSTER_PORTS: this.cluster.ports.join(' ') },
        logFile: this.infraLog,
        timeoutMs: 20_000,
      });
      const running = status.output.split('\n').filter((line) => /^cluster node \d: running/.test(line));
      if (running.length > 0) this.print(`chaos: clean-up: Kafka nodes still running: ${running.join('; ')}`);
    }
    this.print('chaos: clean-up done');
  }
}

function gitState(root: string): { commit: string; uncommittedPaths: string[] } {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    return {
      commit: git('rev-parse', 'HEAD').trim(),
      uncommittedPaths: git('status', '--porcelain')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.slice(3)),
    };
  } catch {
    return { commit: 'unknown', uncommittedPaths: [] };
  }
}

/** Up to 5 findings per code, so a systematic problem does not hide the others. */
function exampleFindings<T extends { code: string }>(findings: T[]): T[] {
  const perCode = new Map<string, number>();
  return findings.filter((finding) => {
    const seen = perCode.get(finding.code) ?? 0;
    perCode.set(finding.code, seen + 1);
    return seen < 5;
  });
}

/** Retries `work` (1 s apart) until it succeeds or `timeoutMs` passed; then rethrows the last error. */
async function retrying<T>(what: string, work: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
      await sleep(1000);
    }
  }
}

async function inParallel<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let index = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (index < items.length) await work(items[index++]);
    }),
  );
}
