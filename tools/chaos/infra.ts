import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { sleep } from '../lib/net';

export interface CommandResult {
  code: number | null;
  output: string;
  ms: number;
}

/**
 * Runs a command to completion, output appended to `logFile` (and returned), bounded by `timeoutMs`
 * (then SIGKILL). Never rejects: the caller decides what a non-zero exit means.
 */
export function runCommand(
  command: string,
  args: string[],
  options: {
    cwd: string;
    env?: Record<string, string | undefined>;
    logFile: string;
    timeoutMs: number;
    /** Kills the command (SIGKILL) when aborted. */
    signal?: AbortSignal;
  },
): Promise<CommandResult> {
  const started = Date.now();
  appendFileSync(options.logFile, `\n$ ${[command, ...args].join(' ')}  (${new Date().toISOString()})\n`);
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      appendFileSync(options.logFile, chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      appendFileSync(options.logFile, `[chaos] timed out after ${options.timeoutMs} ms, killing\n`);
      child.kill('SIGKILL');
    }, options.timeoutMs);
    const onAbort = () => {
      appendFileSync(options.logFile, `[chaos] aborted, killing\n`);
      child.kill('SIGKILL');
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (code: number | null) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ code, output, ms: Date.now() - started });
    };
    child.once('error', (error) => {
      output += String(error);
      done(null);
    });
    child.once('close', (code) => done(code));
  });
}

/** The 3-node KRaft cluster of scripts/kafka.sh, in a state dir of the harness's own. */
export class KafkaCluster {
  private inFlight = new AbortController();

  constructor(
    private readonly root: string,
    readonly stateDir: string,
    readonly ports: number[],
    private readonly logFile: string,
  ) {}

  get brokers(): string[] {
    return this.ports.map((port) => `127.0.0.1:${port}`);
  }

  private kafkaSh(args: string[], timeoutMs: number, abortable = false): Promise<CommandResult> {
    return runCommand('bash', [join(this.root, 'scripts/kafka.sh'), ...args], {
      cwd: this.root,
      env: { KAFKA_STATE_DIR: this.stateDir, KAFKA_CLUSTER_PORTS: this.ports.join(' ') },
      logFile: this.logFile,
      timeoutMs,
      ...(abortable ? { signal: this.inFlight.signal } : {}),
    });
  }

  /** Kills kafka.sh commands still running (they hold its lock, which cluster-stop needs). */
  abortInFlight(): void {
    this.inFlight.abort();
    this.inFlight = new AbortController();
  }

  private async checked(args: string[], timeoutMs: number): Promise<CommandResult> {
    const result = await this.kafkaSh(args, timeoutMs, true);
    if (result.code !== 0)
      throw new Error(`kafka.sh ${args.join(' ')} failed (exit ${result.code}); see ${this.logFile}`);
    return result;
  }

  start(): Promise<CommandResult> {
    return this.checked(['cluster-start'], 240_000);
  }

  /** SIGTERM to every node of this state dir (SIGKILL after 30 s). */
  stop(): Promise<CommandResult> {
    return this.kafkaSh(['cluster-stop'], 90_000);
  }

  killNode(node: number): Promise<CommandResult> {
    return this.checked(['node-kill', String(node)], 30_000);
  }

  /** Starts the node and waits until the cluster lists it again. */
  startNode(node: number): Promise<CommandResult> {
    return this.checked(['node-start', String(node)], 240_000);
  }
}

export interface PgTarget {
  host: string;
  port: number;
  user: string;
  database: string;
  adminUrl: string;
}

export function parseDatabaseUrl(url: string): PgTarget {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[a-z0-9_]+$/.test(database)) throw new Error(`unexpected database name in ${url}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || 'postgres'),
    database,
    adminUrl: admin.toString(),
  };
}

/**
 * A clean database for the run: dropped (WITH FORCE: a killed earlier run may have left sessions) and
 * created again by scripts/postgres.sh, which also starts the local cluster when it is down.
 */
export async function recreateDatabase(root: string, url: string, logFile: string): Promise<void> {
  const target = parseDatabaseUrl(url);
  const ensure = () =>
    runCommand('bash', [join(root, 'scripts/postgres.sh'), 'ensure'], {
      cwd: root,
      env: { DATABASE_URL: url },
      logFile,
      timeoutMs: 120_000,
    });
  // First make sure the server is up (ensure also creates the database; we drop it right after).
  let result = await ensure();
  if (result.code !== 0) throw new Error(`scripts/postgres.sh ensure failed; see ${logFile}`);
  const admin = new Client({ connectionString: target.adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${target.database} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  result = await ensure();
  if (result.code !== 0) throw new Error(`scripts/postgres.sh ensure failed; see ${logFile}`);
}

/** "15 main" for the Debian cluster serving the URL's port. */
export async function findPgCluster(url: string, root: string, logFile: string): Promise<[string, string]> {
  const { port } = parseDatabaseUrl(url);
  const result = await runCommand('pg_lsclusters', ['--no-header'], {
    cwd: root,
    logFile,
    timeoutMs: 10_000,
  });
  for (const line of result.output.split('\n')) {
    const [version, name, clusterPort] = line.trim().split(/\s+/);
    if (Number(clusterPort) === port) return [version, name];
  }
  throw new Error(`no local PostgreSQL cluster on port ${port} (pg_lsclusters)`);
}

const asRoot = (args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? [args[0], args.slice(1)] : ['sudo', ['-n', ...args]];

/** `pg_ctlcluster ... restart` (fast mode: sessions are cut), then waits until it accepts connections. */
export async function restartPostgres(url: string, root: string, logFile: string): Promise<CommandResult> {
  const [version, name] = await findPgCluster(url, root, logFile);
  const started = Date.now();
  const [command, args] = asRoot(['pg_ctlcluster', '--skip-systemctl-redirect', version, name, 'restart']);
  const result = await runCommand(command, args, { cwd: root, logFile, timeoutMs: 120_000 });
  if (result.code !== 0)
    throw new Error(`pg_ctlcluster restart failed (exit ${result.code}); see ${logFile}`);
  await waitPostgres(url, 60_000);
  return { ...result, ms: Date.now() - started };
}

export async function postgresAccepts(url: string): Promise<boolean> {
  const client = new Client({
    connectionString: parseDatabaseUrl(url).adminUrl,
    connectionTimeoutMillis: 2000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function waitPostgres(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await postgresAccepts(url))) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL not accepting connections after ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Clean-up: if Postgres is down (a restart cut short), start it again. */
export async function ensurePostgresRunning(url: string, root: string, logFile: string): Promise<void> {
  if (await postgresAccepts(url)) return;
  const [version, name] = await findPgCluster(url, root, logFile);
  const [command, args] = asRoot(['pg_ctlcluster', '--skip-systemctl-redirect', version, name, 'start']);
  await runCommand(command, args, { cwd: root, logFile, timeoutMs: 120_000 });
  await waitPostgres(url, 60_000);
}
