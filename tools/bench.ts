import 'reflect-metadata';
import { resolve } from 'node:path';
import { maskPhonesInText } from '@app/platform';
import { HELP, parseOptions } from './bench/options';
import { formatReport, writeResults } from './bench/report';
import { BenchRun } from './bench/run';

/**
 * `npm run bench`: open-loop load at a ladder of fixed rates against the deployed shape (each app its own
 * process), CPU per notification per process, idle CPU, memory, and a raw kafkajs relay over the same hops
 * for scale. Not a test: it prints tables, writes JSON under .run/bench/ and the chart to docs/bench/.
 * Knobs: `npm run bench -- --help`.
 */
async function main(): Promise<number> {
  if (process.argv.includes('--help')) {
    console.log(HELP);
    return 0;
  }
  const root = resolve(__dirname, '..', '..');
  const options = parseOptions(process.env, process.argv.slice(2), root);
  const print = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
  print(
    `bench ${options.runId}: ${options.target} stack, ${options.workload} workload, rates ${options.rates.join(', ')}/s, ${options.stepSeconds} s per step (drain ≤ ${options.drainSeconds} s), overall ≤ ${options.timeoutSeconds} s`,
  );
  const run = new BenchRun(options, print);
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      run.stop(`${signal}; Ctrl-C again to stop at once`);
      return;
    }
    print('bench: stopping now');
    void run.cleanupNow().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A throw outside the run's own handling (a client callback): still stop every process we started.
  const onCrash = (error: unknown) => {
    console.error(`bench FAILED: ${maskPhonesInText(String((error as Error)?.stack ?? error))}`);
    void run.cleanupNow().finally(() => process.exit(2));
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  const result = await run.execute();
  console.log('');
  console.log(formatReport(result));
  console.log('');
  for (const path of writeResults(result, options)) print(`bench: wrote ${path}`);
  if (result.aborted) return result.aborted.startsWith('SIG') ? 130 : 1;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`bench FAILED: ${maskPhonesInText(error.stack ?? error.message)}`);
    process.exit(2);
  },
);
