import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Topic } from '@app/contracts';
import type { Admin } from 'kafkajs';
import { runMigrations } from '../../libs/database/src/migrate';
import { ChildApp, type ExitInfo } from '../chaos/children';
import { recreateDatabase } from '../chaos/infra';
import { startGroupAtEnd } from '../lib/kafka';
import { answers, portInUse } from '../lib/net';
import type { Cleanup } from './cleanup';
import type { BenchOptions } from './options';
import { APPS, databaseName, PROCESSES, type AppName, type ProcessName } from './ports';
import { pidListeningOn } from './proc';
import { APP_NODE_OPTIONS } from '../lib/app-process';

/**
 * The system under test: either every app as its own child process, started the way scripts/start.sh
 * starts them (`node dist/apps/<app>/src/main.js`, the whole environment inherited), on ports of the
 * bench's own, a fresh database and fresh consumer groups; or an `npm start` that is already running.
 */

const CONSUMED: Record<AppName, Topic[]> = {
  resolver: [Topic.Person, Topic.NotificationRequested],
  'viber-sender': [Topic.DeliveryViber],
  'sms-sender': [Topic.DeliverySms],
  'diia-push-stub': [Topic.DeliveryDiia],
  'info-slip-renderer': [Topic.DeliverySlip],
};

export interface Stack {
  mode: 'managed' | 'running';
  ports: Record<ProcessName, number>;
  databaseUrl: string;
  /** Which consumer groups belong to the system under test. */
  ownsGroup(groupId: string): boolean;
  url(name: ProcessName): string;
  /** The process behind each app, where it can be found (for /proc: CPU of the simulator, memory of all). */
  pid(name: ProcessName): number | undefined;
  /** What the providers were told about report delays (managed), or that the running system's apply. */
  providerDelays: string;
  describe(): string;
  close(): Promise<void>;
}

/** Env the apps must not inherit from the bench's own environment (they get their values from us). */
const NOT_INHERITED = /^(BENCH_|npm_)/;

export async function startManagedStack(
  options: BenchOptions,
  admin: Admin,
  cleanup: Cleanup,
  print: (line: string) => void,
  onUnexpectedExit: (reason: string) => void,
): Promise<Stack> {
  const ports = options.ports;
  const busy: string[] = [];
  for (const name of PROCESSES)
    if (await portInUse(ports[name])) {
      const holder = pidListeningOn(ports[name]);
      busy.push(`:${ports[name]} (${name}'s${holder === undefined ? '' : `, held by pid ${holder}`})`);
    }
  if (busy.length > 0)
    throw new Error(
      `ports in use: ${busy.join(', ')}; an earlier bench that was killed? set BENCH_PORT_BASE to move`,
    );
  const script = (name: ProcessName) => join(options.root, 'dist/apps', name, 'src/main.js');
  for (const name of PROCESSES)
    if (!existsSync(script(name))) throw new Error(`${script(name)} is missing: run npm run build first`);

  mkdirSync(options.runDir, { recursive: true });
  if (options.freshDatabase) {
    print(`bench: database ${databaseName(options.databaseUrl)} dropped and created again, migrated`);
    await recreateDatabase(options.root, options.databaseUrl, join(options.runDir, 'infra.log'));
  }
  await runMigrations(options.databaseUrl);

  // Fresh groups at the topics' ends: no replay of earlier runs' messages (the topics are shared).
  await Promise.all(
    APPS.map((app) => startGroupAtEnd(admin, `${options.groupPrefix}.${app}`, CONSUMED[app])),
  );

  const secrets = productionSecrets(options.nodeEnv === 'production');
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !NOT_INHERITED.test(entry[0]),
    ),
  );
  const url = (name: ProcessName) => `http://127.0.0.1:${ports[name]}`;
  const shared = {
    ...inherited,
    NODE_ENV: options.nodeEnv,
    LOG_LEVEL: options.logLevel,
    HOST: '127.0.0.1',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    NODE_OPTIONS: `${inherited.NODE_OPTIONS ?? ''} ${APP_NODE_OPTIONS}`.trim(),
    MALLOC_ARENA_MAX: inherited.MALLOC_ARENA_MAX ?? '2',
    ...secrets,
  };
  const envOf = (name: ProcessName): Record<string, string> =>
    name === 'provider-simulator'
      ? {
          ...shared,
          PORT: String(ports[name]),
          VIBER_CALLBACK_URL: `${url('viber-sender')}/webhooks/turbosms`,
          SMS_CALLBACK_URL: `${url('sms-sender')}/webhooks/turbosms`,
          REPORT_DELAY_MS: String(options.reportDelayMs),
        }
      : {
          ...shared,
          PORT: String(ports[name]),
          KAFKA_GROUP_PREFIX: options.groupPrefix,
          DATABASE_URL: options.databaseUrl,
          PROVIDER_BASE_URL: url('provider-simulator'),
          ...(name === 'diia-push-stub' ? { STUB_REPORT_DELAY_MS: String(options.reportDelayMs) } : {}),
        };

  let closing = false;
  const children = new Map<ProcessName, ChildApp>();
  for (const name of PROCESSES) {
    children.set(
      name,
      new ChildApp(
        {
          name,
          script: script(name),
          env: envOf(name),
          port: ports[name],
          logFile: join(options.runDir, `${name}.log`),
          cwd: options.root,
          ...(name === 'provider-simulator' ? {} : { readyLine: `"msg":"${name} started"` }),
        },
        (app: ChildApp, exit: ExitInfo) => {
          if (closing) return;
          const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
          onUnexpectedExit(`${app.name} exited (${how}); last log lines:\n  ${app.tail(8).join('\n  ')}`);
        },
      ),
    );
  }
  const close = async () => {
    closing = true;
    // The simulator first (no webhooks into closing senders), then the apps in parallel.
    await children.get('provider-simulator')!.stop();
    await Promise.all(APPS.map((app) => children.get(app)!.stop()));
  };
  // Registered before anything starts: a Ctrl-C during start-up must stop what did start.
  cleanup.add('apps', close);
  cleanup.addGroups(APPS.map((app) => `${options.groupPrefix}.${app}`));
  print(
    `bench: starting the simulator and ${APPS.length} apps as child processes (LOG_LEVEL=${options.logLevel}, NODE_ENV=${options.nodeEnv}), logs in ${options.runDir}`,
  );
  const started = Date.now();
  for (const child of children.values()) child.start();
  await Promise.all([...children.values()].map((child) => child.waitReady(120_000)));
  print(`bench: all up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return {
    mode: 'managed',
    ports,
    databaseUrl: options.databaseUrl,
    ownsGroup: (groupId) => groupId.startsWith(`${options.groupPrefix}.`),
    url,
    pid: (name) => children.get(name)?.pid,
    providerDelays: `simulator REPORT_DELAY_MS=${options.reportDelayMs}, Diia stub STUB_REPORT_DELAY_MS=${options.reportDelayMs}`,
    describe: () =>
      PROCESSES.map((name) => `${name} :${ports[name]} (pid ${children.get(name)?.pid})`).join(', '),
    close,
  };
}

/** An `npm start` already running: found by its ports; its processes by the sockets they listen on. */
export async function connectRunningStack(options: BenchOptions): Promise<Stack> {
  const ports = options.ports;
  const url = (name: ProcessName) => `http://127.0.0.1:${ports[name]}`;
  const down: ProcessName[] = [];
  for (const name of PROCESSES) if (!(await answers(`${url(name)}/health`, 3000))) down.push(name);
  if (down.length > 0)
    throw new Error(
      `BENCH_TARGET=running, but ${down.map((name) => `${name} (${url(name)}/health)`).join(', ')} did not answer: is npm start running?`,
    );
  const pids = new Map<ProcessName, number | undefined>();
  const pid = (name: ProcessName) => {
    const known = pids.get(name);
    if (known !== undefined && existsSync(`/proc/${known}`)) return known;
    const found = pidListeningOn(ports[name]);
    pids.set(name, found);
    return found;
  };
  return {
    mode: 'running',
    ports,
    databaseUrl: options.databaseUrl,
    ownsGroup: (groupId) => groupId.startsWith(`${options.runningGroupPrefix}.`),
    url,
    pid,
    providerDelays: "the running system's (npm start: simulator REPORT_DELAY_MS 300 ms unless set)",
    describe: () =>
      PROCESSES.map((name) => `${name} :${ports[name]} (pid ${pid(name) ?? 'not visible'})`).join(', '),
    close: async () => undefined,
  };
}

/** Random per-run secrets, so NODE_ENV=production starts (it refuses the local defaults). Never printed. */
function productionSecrets(production: boolean): Record<string, string> {
  if (!production) return {};
  const token = () => randomBytes(24).toString('base64url');
  return {
    MIS_TOKEN: token(),
    SUPPORT_TOKEN: token(),
    WEBHOOK_SECRET: token(),
    PROVIDER_TOKEN: token(),
    SUPPORT_SEARCH_KEY: token(),
    SMSC_PASSWORD: token(),
    SMSC_WEBHOOK_SECRET: token(),
    CODE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
}
