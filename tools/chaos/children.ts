import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { sleep } from '../lib/net';

export interface ChildSpec {
  name: string;
  /** Entry script, e.g. dist/apps/resolver/src/main.js (absolute). */
  script: string;
  env: Record<string, string>;
  port: number;
  logFile: string;
  cwd: string;
  /** Substring of a log line written once the app is fully up (e.g. in its consumer group). */
  readyLine?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/**
 * One app as a real child process (`node dist/apps/<app>/src/main.js`), so SIGKILL is a real crash. Output
 * is appended to one log file per app across restarts, with a marker line at each start.
 */
export class ChildApp {
  private child?: ChildProcess;
  private exited?: Promise<ExitInfo>;
  private expectingExit = false;
  private logOffset = 0;
  starts = 0;

  constructor(
    readonly spec: ChildSpec,
    /** Called when the process ends without us having asked for it. */
    private readonly onUnexpectedExit: (app: ChildApp, exit: ExitInfo) => void,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.child?.pid})`);
    this.starts++;
    const fd = openSync(this.spec.logFile, 'a');
    try {
      writeSync(fd, `{"chaos":"start #${this.starts}","at":"${new Date().toISOString()}"}\n`);
      this.logOffset = statSync(this.spec.logFile).size;
      const child = spawn(process.execPath, [this.spec.script], {
        cwd: this.spec.cwd,
        env: this.spec.env,
        stdio: ['ignore', fd, fd],
        // Own process group: a Ctrl-C at the terminal reaches the harness only, which then stops the apps
        // itself (a SIGINT to the apps too would look like a crash and race the clean-up).
        detached: true,
      });
      this.child = child;
      this.expectingExit = false;
      this.exited = new Promise((resolve) => {
        let done = false;
        const finish = (exit: ExitInfo) => {
          if (done) return;
          done = true;
          if (!this.expectingExit) this.onUnexpectedExit(this, exit);
          resolve(exit);
        };
        child.once('exit', (code, signal) => finish({ code, signal, at: Date.now() }));
        child.once('error', () => finish({ code: null, signal: null, at: Date.now() }));
      });
    } finally {
      closeSync(fd); // the child holds its own copy
    }
  }

  /** SIGKILL: no shutdown hooks, no consumer-group leave, transactions cut mid-way. */
  async kill(): Promise<ExitInfo | undefined> {
    if (!this.running) return undefined;
    this.expectingExit = true;
    this.child!.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    this.child!.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      this.exited,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), graceMs);
      }),
    ]);
    clearTimeout(timer); // a pending grace timer would keep a test runner's process alive
    if (!exited && this.running) {
      this.child!.kill('SIGKILL');
      await this.exited;
    }
  }

  async healthy(timeoutMs = 2000): Promise<boolean> {
    try {
      const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false;
    }
  }

  /**
   * Waits until /health answers 200 and, with `readyLine`, the log of this start has that line. Calls
   * `onHealthy` once health is up (e.g. to restore a stub's in-memory behaviours). Throws if the process
   * exits or the time is up.
   */
  async waitReady(timeoutMs: number, onHealthy?: () => Promise<void>): Promise<number> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    let healthy = false;
    let lineSeen = !this.spec.readyLine;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited while starting; see ${this.spec.logFile}`);
      if (!healthy && (await this.healthy())) {
        healthy = true;
        await onHealthy?.();
      }
      if (!lineSeen) lineSeen = this.logSinceStart().includes(this.spec.readyLine!);
      if (healthy && lineSeen) return Date.now() - started;
      await sleep(250);
    }
    throw new Error(`${this.name} not ready within ${timeoutMs} ms; see ${this.spec.logFile}`);
  }

  /** The log written since the last start (bounded to the last 1 MiB). */
  logSinceStart(): string {
    try {
      const size = statSync(this.spec.logFile).size;
      const from = Math.max(this.logOffset, size - 1024 * 1024);
      const buffer = Buffer.alloc(size - from);
      const fd = openSync(this.spec.logFile, 'r');
      try {
        readSync(fd, buffer, 0, buffer.length, from);
      } finally {
        closeSync(fd);
      }
      return buffer.toString('utf8');
    } catch {
      return '';
    }
  }

  /** The last `count` lines of this start's log, for reports on unexpected exits. */
  tail(count = 15): string[] {
    return this.logSinceStart().trimEnd().split('\n').slice(-count);
  }
}
