import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/**
 * An app running as its own process from `dist/`, exactly as `npm start` runs it, with every line it writes
 * to stdout and stderr kept (pino writes straight to the file descriptor, so an in-process app's logs could
 * not be captured this way).
 */
export class ChildApp {
  readonly lines: string[] = [];
  private readonly exited: Promise<number | null>;
  private partial = { stdout: '', stderr: '' };

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]!.setEncoding('utf8');
      child[stream]!.on('data', (chunk: string) => {
        const text = this.partial[stream] + chunk;
        const parts = text.split('\n');
        this.partial[stream] = parts.pop()!;
        this.lines.push(...parts.filter((line) => line.length > 0));
      });
    }
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        for (const stream of ['stdout', 'stderr'] as const)
          if (this.partial[stream]) this.lines.push(this.partial[stream]);
        resolve(code);
      }),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Starts `dist/<script>` and waits until a line matches `ready` (fails with the output if it exits first). */
  static async start(
    name: string,
    script: string,
    env: Record<string, string | undefined>,
    ready: RegExp,
    timeoutMs = 60_000,
  ): Promise<ChildApp> {
    const child = spawn(process.execPath, [join(ROOT, 'dist', script)], {
      cwd: ROOT,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new ChildApp(name, child);
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void app.exited.then((code) => (exitCode = code));
    while (!app.lines.some((line) => ready.test(line))) {
      if (exitCode !== undefined || Date.now() > deadline) {
        await app.stop();
        throw new Error(
          `${name} did not start (${exitCode === undefined ? 'timeout' : `exit ${exitCode}`}):\n${app.lines.slice(-20).join('\n')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return app;
  }

  /** SIGTERM (the app's own graceful shutdown), SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 20_000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const code = await this.exited;
      clearTimeout(timer);
      return code;
    }
    return this.exited;
  }
}
