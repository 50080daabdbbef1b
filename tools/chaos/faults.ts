import { requestJson, sleep } from '../lib/net';
import type { ChildApp } from './children';
import { restartPostgres, type KafkaCluster } from './infra';
import type { SeededRandom } from '@app/testing';

export const APPS = [
  'resolver',
  'viber-sender',
  'sms-sender',
  'diia-push-stub',
  'info-slip-renderer',
] as const;
export type AppName = (typeof APPS)[number];

export type FaultKind = 'app-kill' | 'broker-kill' | 'provider-outage' | 'postgres-restart';

/** Provider-wide trouble at the simulator (`PUT /__control/outage`). */
export interface OutageWindow {
  name: 'sms-5xx' | 'viber-5xx' | 'slow-answers' | 'timeouts';
  durationS: number;
  /** For slow-answers / timeouts: delay of every aggregator answer. */
  latencyMs?: number;
}

export interface FaultPlanOptions {
  /** SIGKILLs per app; each restarted after `restartDelayS`. */
  appKills: Partial<Record<AppName, number>>;
  restartDelayS: [number, number];
  /** Kill one broker (SIGKILL) and start it again after `downS`; needs the 3-node cluster. */
  brokerKill?: { downS: number };
  outages: OutageWindow[];
  postgresRestart: boolean;
  /** Faults start within this share of the publishing time, e.g. [0.05, 0.9]. */
  window: [number, number];
}

export interface PlannedFault {
  kind: FaultKind;
  target: string;
  /** Seconds after the first event was published. */
  atS: number;
  outage?: OutageWindow;
  downS?: number;
  restartDelayS?: number;
}

export interface FaultRecord {
  kind: FaultKind;
  target: string;
  plannedAtS: number;
  startedAt: string;
  /** Seconds after the first event, when it actually started. */
  offsetS: number;
  durationMs: number;
  detail: string;
  error?: string;
}

/** When each fault happens, given the publishing time `publishS`. Deterministic for the seed. */
export function planFaults(
  random: SeededRandom,
  options: FaultPlanOptions,
  publishS: number,
): PlannedFault[] {
  const [from, to] = options.window.map((share) => share * publishS);
  const plan: PlannedFault[] = [];
  for (const app of APPS) {
    const times: number[] = [];
    for (let kill = 0; kill < (options.appKills[app] ?? 0); kill++) {
      // Kills of one app at least 45 s apart when the window allows: a SIGKILLed member keeps its
      // partitions until its session times out, so a restart takes 20-60 s to be back in the group.
      let at = random.between(from, to);
      for (let tries = 0; tries < 50 && times.some((other) => Math.abs(other - at) < 45); tries++)
        at = random.between(from, to);
      times.push(at);
      plan.push({
        kind: 'app-kill',
        target: app,
        atS: at,
        restartDelayS: random.between(...options.restartDelayS),
      });
    }
  }
  if (options.brokerKill)
    plan.push({
      kind: 'broker-kill',
      target: `node ${random.int(1, 3)}`,
      atS: random.between(from + (to - from) * 0.15, from + (to - from) * 0.5),
      downS: options.brokerKill.downS,
    });
  if (options.postgresRestart)
    plan.push({
      kind: 'postgres-restart',
      target: 'postgres',
      atS: random.between(from + (to - from) * 0.3, to * 0.85),
    });
  // Outage windows in separate slots (shuffled), so one window ends before the next begins.
  const windows = random.shuffle([...options.outages]);
  const slot = (to - from) / Math.max(1, windows.length);
  windows.forEach((outage, index) => {
    const slack = Math.max(0, slot - outage.durationS);
    plan.push({
      kind: 'provider-outage',
      target: outage.name,
      atS: from + index * slot + random.between(0, slack),
      outage,
    });
  });
  return plan.sort((a, b) => a.atS - b.atS);
}

export interface FaultContext {
  apps: Map<string, ChildApp>;
  cluster?: KafkaCluster;
  simulatorUrl: string;
  databaseUrl: string;
  root: string;
  infraLog: string;
  random: SeededRandom;
  readyTimeoutMs: number;
  /** Before an app is killed (e.g. read the Diia stub's in-memory pushes one last time). */
  beforeKill?: (app: ChildApp) => Promise<void>;
  /** Once a restarted app answers /health (e.g. restore the Diia stub's behaviours). */
  onHealthy?: (app: ChildApp) => Promise<void>;
  print: (line: string) => void;
}

/** Runs a fault plan against the running system; every fault, done or failed, ends up in `records`. */
export class FaultRunner {
  readonly records: FaultRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly appLocks = new Map<string, Promise<unknown>>();
  private t0 = 0;
  private stopped = false;

  constructor(private readonly context: FaultContext) {}

  get inFlight(): number {
    return this.running.size;
  }

  /** Schedules every fault relative to now (the first event's publication). */
  start(plan: PlannedFault[]): void {
    this.t0 = Date.now();
    for (const fault of plan) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (this.stopped) return;
        const job = this.execute(fault).finally(() => this.running.delete(job));
        this.running.add(job);
      }, fault.atS * 1000);
      this.timers.add(timer);
    }
  }

  /** True once every fault has started and finished. */
  get done(): boolean {
    return this.timers.size === 0 && this.running.size === 0;
  }

  async waitDone(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.done && Date.now() < deadline) await sleep(250);
    return this.done;
  }

  /** Cancels faults not started yet; faults in progress finish (each step is bounded). */
  cancelPending(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async execute(fault: PlannedFault): Promise<void> {
    const started = Date.now();
    const record: FaultRecord = {
      kind: fault.kind,
      target: fault.target,
      plannedAtS: round(fault.atS),
      startedAt: new Date(started).toISOString(),
      offsetS: round((started - this.t0) / 1000),
      durationMs: 0,
      detail: '',
    };
    this.context.print(`[fault +${record.offsetS.toFixed(1)}s] ${fault.kind} ${fault.target} ...`);
    try {
      record.detail = await this.inject(fault);
    } catch (error) {
      record.error = (error as Error).message;
    }
    record.durationMs = Date.now() - started;
    this.records.push(record);
    this.context.print(
      `[fault +${round((Date.now() - this.t0) / 1000).toFixed(1)}s] ${fault.kind} ${fault.target}: ${record.error ? `FAILED: ${record.error}` : record.detail}`,
    );
  }

  private inject(fault: PlannedFault): Promise<string> {
    switch (fault.kind) {
      case 'app-kill':
        return this.withAppLock(fault.target, () => this.killApp(fault));
      case 'broker-kill':
        return this.killBroker(fault);
      case 'provider-outage':
        return this.outage(fault.outage!);
      case 'postgres-restart':
        return this.restartPostgres();
    }
  }

  /** One kill of an app at a time (a second kill waits for the first restart). */
  private async withAppLock(app: string, work: () => Promise<string>): Promise<string> {
    const previous = this.appLocks.get(app) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.appLocks.set(app, next);
    return next;
  }

  private async killApp(fault: PlannedFault): Promise<string> {
    const app = this.context.apps.get(fault.target);
    if (!app) throw new Error(`no app ${fault.target}`);
    // Down right now (being restarted after it exited on its own): kill it once it runs again.
    const waitUntil = Date.now() + 90_000;
    while (!app.running && Date.now() < waitUntil && !this.stopped) await sleep(250);
    if (!app.running) throw new Error('not running for 90 s, not killed');
    await this.context.beforeKill?.(app);
    const pid = app.pid;
    const killedAtS = (Date.now() - this.t0) / 1000;
    await app.kill();
    const delayMs = Math.round((fault.restartDelayS ?? 2) * 1000);
    await sleep(delayMs);
    app.start();
    // Later than planned when this app was still down from a previous kill or crash.
    const late =
      killedAtS - fault.atS > 1
        ? ` at +${killedAtS.toFixed(1)} s (it was still coming back from an earlier kill or crash)`
        : '';
    const restarted = `SIGKILL pid ${pid}${late}; restarted after ${(delayMs / 1000).toFixed(1)} s as pid ${app.pid}`;
    try {
      const readyMs = await app.waitReady(
        this.context.readyTimeoutMs,
        () => this.context.onHealthy?.(app) ?? Promise.resolve(),
      );
      return `${restarted}; in its consumer group again ${(readyMs / 1000).toFixed(1)} s later`;
    } catch (error) {
      // The kill happened; a restart that did not come up is a finding of its own (see "exited on their own").
      return `${restarted}; that process did not come up: ${(error as Error).message}`;
    }
  }

  private async killBroker(fault: PlannedFault): Promise<string> {
    const cluster = this.context.cluster;
    if (!cluster) throw new Error('broker-kill needs the 3-node cluster');
    const node = Number(fault.target.replace('node ', ''));
    await cluster.killNode(node);
    const downMs = Math.round((fault.downS ?? 15) * 1000);
    await sleep(downMs);
    const back = await cluster.startNode(node);
    return `node ${node} (127.0.0.1:${cluster.ports[node - 1]}) SIGKILL; node-start after ${(downMs / 1000).toFixed(0)} s; registered again ${(back.ms / 1000).toFixed(1)} s later`;
  }

  private async outage(window: OutageWindow): Promise<string> {
    const set = async (body: object) => {
      const { status } = await requestJson('PUT', `${this.context.simulatorUrl}/__control/outage`, { body });
      if (status !== 200) throw new Error(`PUT /__control/outage ${JSON.stringify(body)}: HTTP ${status}`);
    };
    const on =
      window.name === 'sms-5xx'
        ? { sms: true }
        : window.name === 'viber-5xx'
          ? { viber: true }
          : { latencyMs: window.latencyMs ?? 3000 };
    const off =
      window.name === 'sms-5xx'
        ? { sms: false }
        : window.name === 'viber-5xx'
          ? { viber: false }
          : { latencyMs: 0 };
    await set(on);
    try {
      await sleep(window.durationS * 1000);
    } finally {
      await set(off);
    }
    return `${JSON.stringify(on)} for ${window.durationS} s, then ${JSON.stringify(off)}`;
  }

  private async restartPostgres(): Promise<string> {
    const result = await restartPostgres(this.context.databaseUrl, this.context.root, this.context.infraLog);
    return `pg_ctlcluster restart; accepting connections again after ${(result.ms / 1000).toFixed(1)} s`;
  }
}

const round = (value: number) => Math.round(value * 10) / 10;
