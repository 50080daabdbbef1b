import { performance } from 'node:perf_hooks';
import { attributeCpu, postgresRole, type GroupedStat } from './cpu';
import { pidsByComm, readCmdline, readMemory, readStat, ticksPerSecond, type ProcStat } from './proc';
import { scrapeSelfReport, type SelfReport } from './prom';
import { APPS, PROCESSES, type ProcessName } from './ports';
import type { Stack } from './stack';

/**
 * CPU and memory of the whole stack. Each Node app reports its own CPU on /metrics (prom-client's
 * process_cpu_{user,system}_seconds_total); the simulator (no /metrics), the Kafka JVM and Postgres are
 * read from /proc. Postgres is every process whose comm is `postgres`: the postmaster, its background
 * processes, the backends (split into ours and other databases'; the server is shared on these machines)
 * and backends that exited in between (their CPU is in the postmaster's cutime).
 */

/** Names of the accounts in a CPU reading, in table order. */
export const CPU_ACCOUNTS = [...PROCESSES, 'kafka', 'postgres'] as const;
export type CpuAccount = (typeof CPU_ACCOUNTS)[number];

export interface StackSample {
  at: number;
  apps: Partial<Record<ProcessName, { report?: SelfReport; stat?: ProcStat }>>;
  kafka?: ProcStat;
  postgres: GroupedStat[];
  bench: NodeJS.CpuUsage;
}

export interface CpuReading {
  wallSeconds: number;
  /** CPU seconds per account; null where the process could not be read at both ends. */
  seconds: Record<CpuAccount, number | null>;
  /** Sum of the accounts that were read. */
  stackSeconds: number;
  /** Postgres split: backends of our database, background processes + postmaster, exited backends. */
  postgres: { ourDatabase: number; shared: number; exitedBackends: number; otherDatabases: number };
  /** The load generator itself (this process): not part of the stack. */
  benchSeconds: number;
  /** Where each account came from. */
  sources: Record<CpuAccount, 'metrics' | 'proc' | 'missing'>;
}

export class StackMeter {
  private readonly ticks = ticksPerSecond();

  constructor(
    private readonly stack: Stack,
    private readonly kafkaPid: number | undefined,
    private readonly ourDatabase: string,
  ) {}

  async sample(): Promise<StackSample> {
    const apps: StackSample['apps'] = {};
    await Promise.all(
      PROCESSES.map(async (name) => {
        const isApp = (APPS as readonly string[]).includes(name);
        const report = isApp ? await scrapeSelfReport(`${this.stack.url(name)}/metrics`) : undefined;
        const pid = this.stack.pid(name);
        apps[name] = { report, stat: pid === undefined ? undefined : readStat(pid) };
      }),
    );
    return {
      at: performance.now(),
      apps,
      kafka: this.kafkaPid === undefined ? undefined : readStat(this.kafkaPid),
      postgres: this.postgresSample(),
      bench: process.cpuUsage(),
    };
  }

  private postgresSample(): GroupedStat[] {
    const sample: GroupedStat[] = [];
    for (const pid of pidsByComm('postgres')) {
      const stat = readStat(pid);
      if (stat) sample.push({ ...stat, group: postgresRole(readCmdline(pid), this.ourDatabase) });
    }
    return sample;
  }

  between(before: StackSample, after: StackSample): CpuReading {
    const seconds = {} as CpuReading['seconds'];
    const sources = {} as CpuReading['sources'];
    const toSeconds = (ticks: number) => ticks / this.ticks;
    for (const name of PROCESSES) {
      const [a, b] = [before.apps[name], after.apps[name]];
      if (a?.report && b?.report) {
        seconds[name] =
          b.report.cpuUserSeconds +
          b.report.cpuSystemSeconds -
          a.report.cpuUserSeconds -
          a.report.cpuSystemSeconds;
        sources[name] = 'metrics';
      } else if (a?.stat && b?.stat && a.stat.starttime === b.stat.starttime) {
        seconds[name] = toSeconds(b.stat.utime + b.stat.stime - a.stat.utime - a.stat.stime);
        sources[name] = 'proc';
      } else {
        seconds[name] = null;
        sources[name] = 'missing';
      }
    }
    if (before.kafka && after.kafka && before.kafka.starttime === after.kafka.starttime) {
      seconds.kafka = toSeconds(
        after.kafka.utime + after.kafka.stime - before.kafka.utime - before.kafka.stime,
      );
      sources.kafka = 'proc';
    } else {
      seconds.kafka = null;
      sources.kafka = 'missing';
    }
    const groups = attributeCpu(before.postgres, after.postgres, () => 'exited');
    const group = (name: string) => toSeconds(groups.get(name) ?? 0);
    const postgres = {
      ourDatabase: group('our-database'),
      shared: group('background') + group('postmaster'),
      exitedBackends: group('exited'),
      otherDatabases: group('other-databases'),
    };
    // Other databases' backends are other people's work on a shared server: reported, not counted.
    seconds.postgres =
      after.postgres.length === 0 ? null : postgres.ourDatabase + postgres.shared + postgres.exitedBackends;
    sources.postgres = after.postgres.length === 0 ? 'missing' : 'proc';
    const benchMicros = after.bench.user + after.bench.system - before.bench.user - before.bench.system;
    return {
      wallSeconds: (after.at - before.at) / 1000,
      seconds,
      stackSeconds: Object.values(seconds).reduce<number>((sum, value) => sum + (value ?? 0), 0),
      postgres,
      benchSeconds: benchMicros / 1e6,
      sources,
    };
  }
}

/** Peak resident memory per process: VmRSS sampled every second, and the kernel's own peak (VmHWM). */
export class MemorySampler {
  /** Peaks since the last reset (one ladder step) and over the whole run. */
  private readonly peaks = new Map<ProcessName, number>();
  private readonly overall = new Map<ProcessName, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly stack: Stack) {}

  start(intervalMs = 1000): void {
    this.sampleNow();
    this.timer = setInterval(() => this.sampleNow(), intervalMs);
    this.timer.unref();
  }

  sampleNow(): void {
    for (const name of PROCESSES) {
      const pid = this.stack.pid(name);
      const memory = pid === undefined ? undefined : readMemory(pid);
      if (!memory || !Number.isFinite(memory.rssBytes)) continue;
      this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, memory.rssBytes));
      this.overall.set(name, Math.max(this.overall.get(name) ?? 0, memory.rssBytes));
    }
  }

  /** Peak sampled RSS since the last reset, MiB. */
  peaksMiB(): Partial<Record<ProcessName, number>> {
    this.sampleNow();
    return Object.fromEntries([...this.peaks].map(([name, bytes]) => [name, mib(bytes)]));
  }

  /** Peak sampled RSS over the whole run, MiB. */
  overallMiB(): Partial<Record<ProcessName, number>> {
    this.sampleNow();
    return Object.fromEntries([...this.overall].map(([name, bytes]) => [name, mib(bytes)]));
  }

  reset(): void {
    this.peaks.clear();
    this.sampleNow();
  }

  /** The kernel's high-water mark per process (since it started; for a running system, before the bench too). */
  highWaterMiB(): Partial<Record<ProcessName, number>> {
    const result: Partial<Record<ProcessName, number>> = {};
    for (const name of PROCESSES) {
      const pid = this.stack.pid(name);
      const memory = pid === undefined ? undefined : readMemory(pid);
      if (memory && Number.isFinite(memory.peakRssBytes)) result[name] = mib(memory.peakRssBytes);
    }
    return result;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
