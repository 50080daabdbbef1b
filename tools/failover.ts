import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type NotificationRequested, Topic } from '@app/contracts';
import { BaseAppConfig, loadConfig } from '@app/platform';
import { adultWithOtp } from '@app/testing';
import { type Admin, AssignerProtocol, type Consumer, type Kafka, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { summarize } from './bench/stats';
import { ChildApp } from './chaos/children';
import { latencyTimeline, type OffsetSample, partitionStalls } from './failover/analyse';
import { deleteGroupsQuietly, startGroupAtEnd, toolKafka } from './lib/kafka';
import { portInUse, sleep } from './lib/net';
import { waitForPersons } from './lib/read-model';
import { RoundRobinProxy } from './lib/round-robin-proxy';
import { APP_NODE_OPTIONS } from './lib/app-process';

/**
 * `npm run failover`: two replicas of each consumer app as child processes under a fixed load of AUTH_OTP
 * events (Viber delivers at once), one replica SIGKILLed, then restarted. Prints per partition of the
 * victim's topic the longest stall and when its partitions were consumed again, how long the restarted
 * replica took to be back in its group, and a latency timeline (produce → DELIVERED) around the kill.
 * Targets (issue "Operations"): the dead replica's partitions consumed elsewhere within 10 s, no other
 * partition stalled over 2 s, the restarted replica in its group within 10 s.
 *
 * Env: FAILOVER_APP (viber-sender), FAILOVER_RATE (30 events/s), FAILOVER_WARMUP_S (15),
 * FAILOVER_OBSERVE_S (35, after the kill), FAILOVER_RESTART_AFTER_S (12), FAILOVER_PORT_BASE (4300: apps on
 * base+10·r+k, the simulator on base+99, the senders' Services on base+2 and base+3), KAFKA_BROKERS,
 * DATABASE_URL; the consumer timeouts are the apps' own (KAFKA_SESSION_TIMEOUT_MS, ...), passed through.
 */
const ROOT = join(__dirname, '..', '..');
const env = process.env;
const number = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
const OPTIONS = {
  victimApp: (env.FAILOVER_APP ?? 'viber-sender') as AppName,
  rate: number('FAILOVER_RATE', 30),
  warmupS: number('FAILOVER_WARMUP_S', 15),
  observeS: number('FAILOVER_OBSERVE_S', 35),
  restartAfterS: number('FAILOVER_RESTART_AFTER_S', 12),
  portBase: number('FAILOVER_PORT_BASE', 4300),
  persons: number('FAILOVER_PERSONS', 300),
};
const TARGETS = { deadResumedMs: 10_000, otherStallMs: 2000, backInGroupMs: 10_000 };

type AppName = 'resolver' | 'viber-sender' | 'sms-sender' | 'diia-push-stub' | 'info-slip-renderer';
const APPS: { name: AppName; index: number; topics: Topic[] }[] = [
  { name: 'resolver', index: 1, topics: [Topic.Person, Topic.NotificationRequested] },
  { name: 'viber-sender', index: 2, topics: [Topic.DeliveryViber] },
  { name: 'sms-sender', index: 3, topics: [Topic.DeliverySms] },
  { name: 'diia-push-stub', index: 4, topics: [Topic.DeliveryDiia] },
  { name: 'info-slip-renderer', index: 5, topics: [Topic.DeliverySlip] },
];
const INHERITED = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR', 'USER'];
const KAFKA_SETTINGS = [
  'KAFKA_SESSION_TIMEOUT_MS',
  'KAFKA_HEARTBEAT_INTERVAL_MS',
  'KAFKA_REBALANCE_TIMEOUT_MS',
];

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 23)} ${line}`);
const clock = () => performance.now();

interface Replica {
  app: (typeof APPS)[number];
  instance: string;
  child: ChildApp;
}

class FailoverRun {
  private readonly runId = new Date().toISOString().replace(/[:.]/g, '-');
  private readonly prefix = `esoz-notify-failover-${Date.now().toString(36)}`;
  private readonly runDir = join(ROOT, '.run', 'failover', this.runId);
  private readonly kafka: Kafka = toolKafka('esoz-notify-failover');
  private readonly replicas: Replica[] = [];
  private readonly proxies: RoundRobinProxy[] = [];
  private simulator?: ChildApp;
  private admin?: Admin;
  private producer?: Producer;
  private observer?: Consumer;
  private db?: Client;
  private readonly producedAt = new Map<string, number>();
  private readonly deliveredAt = new Map<string, number>();
  private readonly deliveredCount = new Map<string, number>();
  private readonly samples: OffsetSample[] = [];
  private sampling = false;

  private get victimGroup(): string {
    return `${this.prefix}.${OPTIONS.victimApp}`;
  }

  async run(): Promise<number> {
    mkdirSync(this.runDir, { recursive: true });
    const effective = loadConfig(BaseAppConfig, { ...env, PORT: '1' });
    log(
      `failover: ${OPTIONS.rate} events/s, victim ${OPTIONS.victimApp}, consumer timeouts session ${effective.KAFKA_SESSION_TIMEOUT_MS} ms, heartbeat ${effective.KAFKA_HEARTBEAT_INTERVAL_MS} ms, rebalance ${effective.KAFKA_REBALANCE_TIMEOUT_MS} ms; logs in ${this.runDir}`,
    );
    try {
      await this.startSystem();
      const persons = await this.publishPersons();
      await this.startObserver();
      const sampler = this.sampleOffsets();
      const load = this.load(persons);
      await this.pause(OPTIONS.warmupS * 1000);
      const owners = await this.ownership();
      const victim = this.replicas.find(
        (r) => r.app.name === OPTIONS.victimApp && r.instance.endsWith('-r1'),
      )!;
      log(
        `SIGKILL ${victim.instance} (pid ${victim.child.pid}); it owned partitions ${[...owners]
          .filter(([, o]) => o === victim.instance)
          .map(([p]) => p)
          .join(', ')}`,
      );
      const killAt = clock();
      await victim.child.kill();
      await this.pause(OPTIONS.restartAfterS * 1000);
      log(`restarting ${victim.instance}`);
      const restartAt = clock();
      victim.child.start();
      const backInGroupMs = await this.backInGroup(victim, restartAt);
      log(
        backInGroupMs === undefined
          ? `${victim.instance} not back in its group`
          : `${victim.instance} back in its group ${backInGroupMs} ms after the restart`,
      );
      await this.pause(Math.max(0, killAt + OPTIONS.observeS * 1000 - clock()));
      this.stopLoad = true;
      await load;
      await this.drain();
      this.sampling = false;
      await sampler;
      return this.report(killAt, restartAt, owners, victim.instance, backInGroupMs);
    } finally {
      await this.cleanup();
    }
  }

  // ---- system -------------------------------------------------------------------------------------------

  private async startSystem(): Promise<void> {
    const { portBase } = OPTIONS;
    const ports = [
      portBase + 99,
      portBase + 2,
      portBase + 3,
      ...APPS.flatMap((app) => [1, 2].map((r) => portBase + 10 * r + app.index)),
    ];
    for (const port of ports)
      if (await portInUse(port)) throw new Error(`port ${port} in use (FAILOVER_PORT_BASE moves them)`);
    this.admin = this.kafka.admin();
    await this.admin.connect();
    for (const app of APPS) await startGroupAtEnd(this.admin, `${this.prefix}.${app.name}`, app.topics);
    const base: Record<string, string> = {
      ...Object.fromEntries(INHERITED.filter((key) => env[key]).map((key) => [key, env[key]!])),
      ...Object.fromEntries(KAFKA_SETTINGS.filter((key) => env[key]).map((key) => [key, env[key]!])),
      NODE_ENV: 'development',
      NODE_OPTIONS: `--disable-warning=TimeoutNegativeWarning ${APP_NODE_OPTIONS}`,
      MALLOC_ARENA_MAX: '2',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      DATABASE_URL: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/esoz_notify',
      KAFKA_GROUP_PREFIX: this.prefix,
    };
    // The senders' "Services": the simulator's webhooks reach any live replica.
    const service = async (port: number, app: AppName) => {
      const proxy = new RoundRobinProxy(
        [1, 2].map((r) => portBase + 10 * r + APPS.find((a) => a.name === app)!.index),
      );
      await proxy.listen(port);
      this.proxies.push(proxy);
    };
    await service(portBase + 2, 'viber-sender');
    await service(portBase + 3, 'sms-sender');
    this.simulator = new ChildApp(
      {
        name: 'provider-simulator',
        script: join(ROOT, 'dist/apps/provider-simulator/src/main.js'),
        env: {
          ...base,
          LOG_LEVEL: 'info',
          PORT: String(portBase + 99),
          REPORT_DELAY_MS: '100',
          VIBER_CALLBACK_URL: `http://127.0.0.1:${portBase + 2}/webhooks/turbosms`,
          SMS_CALLBACK_URL: `http://127.0.0.1:${portBase + 3}/webhooks/turbosms`,
        },
        port: portBase + 99,
        logFile: join(this.runDir, 'provider-simulator.log'),
        cwd: ROOT,
      },
      (app, exit) => log(`${app.name} exited unexpectedly (${exit.code ?? exit.signal})`),
    );
    this.simulator.start();
    await this.simulator.waitReady(60_000);
    for (const app of APPS)
      for (const r of [1, 2]) {
        const instance = `${app.name}-r${r}`;
        const port = portBase + 10 * r + app.index;
        const child = new ChildApp(
          {
            name: instance,
            script: join(ROOT, `dist/apps/${app.name}/src/main.js`),
            env: {
              ...base,
              PORT: String(port),
              INSTANCE_ID: `r${r}`,
              PROVIDER_BASE_URL: `http://127.0.0.1:${portBase + 99}`,
            },
            port,
            logFile: join(this.runDir, `${instance}.log`),
            cwd: ROOT,
          },
          (dead, exit) => {
            if (dead.name !== `${OPTIONS.victimApp}-r1`)
              log(`${dead.name} exited unexpectedly (${exit.code ?? exit.signal})`);
          },
        );
        this.replicas.push({ app, instance, child });
      }
    log(`starting ${this.replicas.length} replicas (2 per consumer app)`);
    for (const replica of this.replicas) replica.child.start();
    await Promise.all(this.replicas.map((replica) => replica.child.waitReady(120_000)));
    // Settled: every replica ready (in its group with partitions).
    const deadline = Date.now() + 90_000;
    while (!(await Promise.all(this.replicas.map((replica) => this.joined(replica)))).every(Boolean)) {
      if (Date.now() > deadline) throw new Error('replicas not all in their groups within 90 s');
      await sleep(250);
    }
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    this.db = new Client({ connectionString: base.DATABASE_URL });
    await this.db.connect();
    log('every replica is in its consumer group');
  }

  private async joined(replica: Replica): Promise<boolean> {
    try {
      const response = await fetch(`${replica.child.url}/health/ready`, {
        signal: AbortSignal.timeout(1000),
      });
      const body = (await response.json()) as {
        details?: { consumerGroup?: { assigned?: Record<string, number> } };
      };
      const assigned = Object.values(body.details?.consumerGroup?.assigned ?? {}).reduce((a, b) => a + b, 0);
      return response.ok && assigned > 0;
    } catch {
      return false;
    }
  }

  private async backInGroup(replica: Replica, since: number): Promise<number | undefined> {
    const deadline = since + 60_000;
    while (clock() < deadline) {
      if (await this.joined(replica)) return Math.round(clock() - since);
      await sleep(100);
    }
    return undefined;
  }

  private async publishPersons(): Promise<string[]> {
    const persons = Array.from({ length: OPTIONS.persons }, () => adultWithOtp());
    await this.producer!.send({
      topic: Topic.Person,
      messages: persons.map((person) => ({ key: person.id, value: JSON.stringify(person) })),
    });
    await waitForPersons(
      this.db!,
      persons.map((person) => person.id),
      60_000,
    );
    log(`${persons.length} persons in the resolver's read model`);
    return persons.map((person) => person.id);
  }

  private async startObserver(): Promise<void> {
    const groupId = `${this.prefix}.observer`;
    await startGroupAtEnd(this.admin!, groupId, [Topic.NotificationStatus]);
    const observer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
    this.observer = observer;
    await observer.connect();
    await observer.subscribe({ topics: [Topic.NotificationStatus] });
    await observer.run({
      eachBatch: async ({ batch }) => {
        const now = clock();
        for (const message of batch.messages) {
          const value = message.value?.toString() ?? '';
          if (!value.includes('"DELIVERED"')) continue;
          const { eventId, status } = JSON.parse(value) as { eventId: string; status: string };
          if (status !== 'DELIVERED' || !this.producedAt.has(eventId)) continue;
          this.deliveredCount.set(eventId, (this.deliveredCount.get(eventId) ?? 0) + 1);
          if (!this.deliveredAt.has(eventId)) this.deliveredAt.set(eventId, now);
        }
      },
    });
    await sleep(3000); // joined (a fresh group, a single member)
  }

  private stopLoad = false;

  /** Open loop: `rate` events per second in 10 sends a second, whatever the system does. */
  private async load(persons: string[]): Promise<void> {
    const tickMs = 100;
    const perTick = OPTIONS.rate / (1000 / tickMs);
    let owed = 0;
    let next = clock();
    let index = 0;
    while (!this.stopLoad) {
      owed += perTick;
      const count = Math.floor(owed);
      owed -= count;
      if (count > 0) {
        const events: NotificationRequested[] = Array.from({ length: count }, () => ({
          eventId: randomUUID(),
          type: 'AUTH_OTP',
          occurredAt: new Date().toISOString(),
          subjectPersonId: persons[index++ % persons.length],
          expiresAt: new Date(Date.now() + 300_000).toISOString(),
          payload: { verificationCode: String(1000 + Math.floor(Math.random() * 9000)) },
        }));
        const at = clock();
        for (const event of events) this.producedAt.set(event.eventId, at);
        await this.producer!.send({
          topic: Topic.NotificationRequested,
          messages: events.map((event) => ({ key: event.subjectPersonId, value: JSON.stringify(event) })),
        });
      }
      next += tickMs;
      await sleep(Math.max(0, next - clock()));
    }
  }

  private async sampleOffsets(): Promise<void> {
    this.sampling = true;
    const topic = APPS.find((app) => app.name === OPTIONS.victimApp)!.topics.at(-1)!;
    while (this.sampling) {
      const started = clock();
      try {
        const [committed, ends] = await Promise.all([
          this.admin!.fetchOffsets({ groupId: this.victimGroup, topics: [topic] }),
          this.admin!.fetchTopicOffsets(topic),
        ]);
        const at = clock();
        for (const { partition, high } of ends) {
          const offset = Number(
            committed[0]?.partitions.find((p) => p.partition === partition)?.offset ?? -1,
          );
          this.samples.push({ at, partition, committed: offset, high: Number(high) });
        }
      } catch {
        // a sample missed; the next one follows
      }
      await sleep(Math.max(0, 200 - (clock() - started)));
    }
  }

  /** Which replica owns which partition of the victim's topic now (from the coordinator's assignment). */
  private async ownership(): Promise<Map<number, string>> {
    const { groups } = await this.admin!.describeGroups([this.victimGroup]);
    const owners = new Map<number, string>();
    for (const member of groups[0]?.members ?? []) {
      const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      const instance = `${OPTIONS.victimApp}-${member.clientId.replace(`${OPTIONS.victimApp}-`, '')}`;
      for (const partitions of Object.values(decoded?.assignment ?? {}))
        for (const partition of partitions) owners.set(partition, instance);
    }
    return owners;
  }

  private async drain(): Promise<void> {
    const deadline = clock() + 60_000;
    while (clock() < deadline && this.deliveredAt.size < this.producedAt.size) await sleep(250);
  }

  private pause(ms: number): Promise<void> {
    return sleep(ms);
  }

  // ---- report -------------------------------------------------------------------------------------------

  private report(
    killAt: number,
    restartAt: number,
    owners: Map<number, string>,
    victim: string,
    backInGroupMs: number | undefined,
  ): number {
    const partitions = partitionStalls(this.samples, killAt, owners, victim);
    const timeline = latencyTimeline(this.producedAt, this.deliveredAt, killAt);
    const lines: string[] = [];
    const out = (line = '') => lines.push(line);
    const topic = APPS.find((app) => app.name === OPTIONS.victimApp)!.topics.at(-1)!;
    out(
      `Failover of ${victim} (SIGKILL at t=0, restarted at t=${((restartAt - killAt) / 1000).toFixed(1)} s), ${OPTIONS.rate} events/s`,
    );
    out();
    out(`Partitions of ${topic} (committed offsets sampled every 200 ms):`);
    out('  partition  owner before kill     max stall   stall began (t)  consumed again after kill');
    for (const p of partitions)
      out(
        `  ${String(p.partition).padEnd(9)}  ${p.owner.padEnd(20)}  ${`${p.maxStallMs} ms`.padStart(9)}   ${`${(p.maxStallFromKillMs / 1000).toFixed(1)} s`.padStart(14)}  ${p.ownedByVictim ? (p.resumedAfterKillMs === undefined ? 'never' : `${p.resumedAfterKillMs} ms`) : '-'}`,
      );
    const dead = partitions.filter((p) => p.ownedByVictim);
    const others = partitions.filter((p) => !p.ownedByVictim);
    const deadWorst = Math.max(...dead.map((p) => p.resumedAfterKillMs ?? Infinity));
    const otherWorst = Math.max(0, ...others.map((p) => p.maxStallMs));
    out();
    out('Latency produce → DELIVERED by the 2 s in which events were produced (t relative to the kill):');
    out('      t   produced  delivered      p50      p95      max');
    for (const row of timeline)
      out(
        `  ${`${row.fromS >= 0 ? '+' : ''}${row.fromS}`.padStart(5)}s  ${String(row.produced).padStart(8)}  ${String(row.delivered).padStart(9)}  ${fmt(row.latency.p50)}  ${fmt(row.latency.p95)}  ${fmt(row.latency.max)}`,
      );
    const all = [...this.producedAt]
      .filter(([id]) => this.deliveredAt.has(id))
      .map(([id, at]) => this.deliveredAt.get(id)! - at);
    const overall = summarize(all);
    const lost = this.producedAt.size - this.deliveredAt.size;
    const duplicated = [...this.deliveredCount.values()].filter((count) => count > 1).length;
    out();
    out(
      `Events: ${this.producedAt.size} produced, ${this.deliveredAt.size} DELIVERED, ${lost} not delivered, ${duplicated} announced twice; p50 ${fmt(overall.p50)}, p95 ${fmt(overall.p95)}, max ${fmt(overall.max)}`,
    );
    const verdicts = [
      [
        `dead replica's partitions consumed elsewhere within ${TARGETS.deadResumedMs / 1000} s`,
        deadWorst <= TARGETS.deadResumedMs,
        `${deadWorst} ms`,
      ],
      [
        `no other partition stalled over ${TARGETS.otherStallMs / 1000} s`,
        otherWorst <= TARGETS.otherStallMs,
        `${otherWorst} ms`,
      ],
      [
        `restarted replica back in its group within ${TARGETS.backInGroupMs / 1000} s`,
        backInGroupMs !== undefined && backInGroupMs <= TARGETS.backInGroupMs,
        `${backInGroupMs ?? 'never'} ms`,
      ],
      [
        'every event delivered exactly once',
        lost === 0 && duplicated === 0,
        `${lost} lost, ${duplicated} twice`,
      ],
    ] as const;
    out();
    for (const [what, ok, value] of verdicts) out(`  ${ok ? 'PASS' : 'FAIL'}  ${what}: ${value}`);
    const passed = verdicts.every(([, ok]) => ok);
    out();
    out(`failover: ${passed ? 'PASS' : 'FAIL'}`);
    const text = lines.join('\n');
    console.log(`\n${text}\n`);
    writeFileSync(join(this.runDir, 'report.txt'), `${text}\n`);
    writeFileSync(
      join(this.runDir, 'report.json'),
      JSON.stringify(
        { options: OPTIONS, partitions, timeline, overall, lost, duplicated, backInGroupMs, passed },
        null,
        2,
      ),
    );
    return passed ? 0 : 1;
  }

  private async cleanup(): Promise<void> {
    this.stopLoad = true;
    this.sampling = false;
    await this.simulator?.stop();
    await Promise.all(this.replicas.map((replica) => replica.child.stop()));
    await Promise.all(this.proxies.map((proxy) => proxy.close()));
    await this.observer?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
    await this.db?.end().catch(() => undefined);
    if (this.admin) {
      const groups = [...APPS.map((app) => `${this.prefix}.${app.name}`), `${this.prefix}.observer`];
      await deleteGroupsQuietly(this.admin, groups);
      await this.admin.disconnect();
    }
  }
}

const fmt = (ms: number) =>
  Number.isNaN(ms)
    ? '      -'
    : ms >= 10_000
      ? `${(ms / 1000).toFixed(1)} s`.padStart(7)
      : `${Math.round(ms)} ms`.padStart(7);

if (require.main === module) {
  new FailoverRun().run().then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`failover: ${error.message}`);
      process.exit(1);
    },
  );
}
