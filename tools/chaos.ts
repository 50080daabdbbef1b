import 'reflect-metadata';
import { fullRunOptions } from './chaos/options';
import { runChaos } from './chaos/run';

/**
 * `npm run chaos`: the whole system on the 3-broker cluster (replication factor 3, min.insync.replicas 2)
 * with a few thousand events while apps are SIGKILLed and restarted, a broker is killed and brought back,
 * the providers fail (5xx, timeouts, slow answers) and Postgres restarts; then per-event checks and a
 * report on stdout and in .run/chaos/report-<timestamp>.{json,txt}. Exit 0 only when nothing was lost,
 * duplicated or stuck. Settings: see fullRunOptions (CHAOS_EVENTS, CHAOS_RATE, CHAOS_SEED, ...).
 */
// kafkajs 2.2.4 sets negative timers on Node 24 (harmless; scripts/lib.sh silences it the same way).
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') console.error(`${warning.name}: ${warning.message}`);
});

async function main(): Promise<number> {
  const options = fullRunOptions(process.env);
  const interrupt = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupt.signal.aborted) {
        console.error(`chaos: ${signal} again while cleaning up; cleaning up continues (it is bounded)`);
        return;
      }
      console.error(`chaos: ${signal}: stopping and cleaning up ...`);
      interrupt.abort(signal);
    });
  }
  const report = await runChaos(options, interrupt.signal);
  if (report.aborted) return 3;
  return report.verdict === 'PASS' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`chaos failed: ${error.stack ?? error.message}`);
    process.exit(2);
  },
);
