#!/usr/bin/env node
// Waits until a Kafka cluster answers admin.describeCluster() with the expected number of brokers.
//
// Used by scripts/kafka.sh after starting brokers (a TCP port that accepts connections is not
// enough: the broker opens its listener before it has registered with the KRaft controller, and
// kafkajs then fails with "There is no leader for this topic-partition" or
// "The group coordinator is not available").
//
// Usage: node scripts/kafka-ready.mjs [--brokers host:port,...] [--count N] [--timeout SECONDS]
//                                     [--pid PID]... [--node ID] [--quiet]
//   --brokers  bootstrap list (default: $KAFKA_BROKERS or 127.0.0.1:9092)
//   --count    minimum number of registered brokers (default 1)
//   --timeout  overall deadline in seconds (default 90)
//   --pid      give up at once if this process exits (the broker we just started crashed)
//   --node     also require this broker id in the list (a restarted cluster node is back)
// Exit codes: 0 ready, 1 timeout / broker process gone, 2 bad usage.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

// kafkajs is CommonJS; resolve it from the repo's node_modules whatever the caller's cwd.
const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs');

const POLL_INTERVAL_MS = 500;

// kafkajs 2.2.4 computes a negative setTimeout delay in its request queue; recent Node (24 here)
// warns about it on every run ("TimeoutNegativeWarning"). Harmless, so drop only that warning.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') console.error(`${warning.name}: ${warning.message}`);
});

function readOptions() {
  const { values } = parseArgs({
    options: {
      brokers: { type: 'string', default: process.env.KAFKA_BROKERS || '127.0.0.1:9092' },
      count: { type: 'string', default: '1' },
      timeout: { type: 'string', default: '90' },
      pid: { type: 'string', multiple: true, default: [] },
      node: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const options = {
    brokers: values.brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    count: Number(values.count),
    timeoutMs: Number(values.timeout) * 1000,
    pids: values.pid.map(Number),
    node: values.node === undefined ? null : Number(values.node),
    quiet: values.quiet,
  };
  if (!options.brokers.length || !(options.count >= 1) || !(options.timeoutMs > 0)) {
    throw new UsageError('need --brokers host:port[,..], --count >= 1, --timeout > 0');
  }
  if (options.pids.some((pid) => !Number.isInteger(pid) || pid <= 0)) {
    throw new UsageError('--pid must be a positive integer');
  }
  return options;
}

class UsageError extends Error {}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: exists but owned by someone else - still alive.
    return err.code === 'EPERM';
  }
}

// One short-lived admin client per attempt: kafkajs' own retry loop (default ~30 s with backoff)
// would hide progress and outlive our deadline, so it is disabled and we poll ourselves.
async function describeOnce(brokers) {
  const kafka = new Kafka({
    clientId: 'esoz-notify-kafka-ready',
    brokers,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await admin.describeCluster();
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitReady({ brokers, count, timeoutMs, pids, node }) {
  const started = Date.now();
  let lastProblem = 'no attempt made';
  while (Date.now() - started < timeoutMs) {
    const dead = pids.find((pid) => !isAlive(pid));
    if (dead) return { ok: false, problem: `broker process ${dead} exited`, started };
    try {
      const cluster = await describeOnce(brokers);
      const hasNode = node === null || cluster.brokers.some((b) => b.nodeId === node);
      if (cluster.brokers.length >= count && cluster.controller !== null && hasNode) {
        return { ok: true, cluster, started };
      }
      const ids = cluster.brokers.map((b) => b.nodeId).join(',') || 'none';
      lastProblem = `brokers [${ids}] registered (need ${count}${node === null ? '' : ` incl. ${node}`}), controller ${cluster.controller}`;
    } catch (err) {
      lastProblem = `${err.name}: ${err.message}`;
    }
    await sleep(POLL_INTERVAL_MS);
  }
  return { ok: false, problem: `timed out after ${timeoutMs / 1000} s; last: ${lastProblem}`, started };
}

async function main() {
  const options = readOptions();
  const result = await waitReady(options);
  const seconds = ((Date.now() - result.started) / 1000).toFixed(1);
  if (!result.ok) {
    console.error(`kafka-ready: NOT ready at ${options.brokers.join(',')}: ${result.problem}`);
    return 1;
  }
  if (!options.quiet) {
    const { brokers, controller, clusterId } = result.cluster;
    const list = brokers
      .map((b) => `${b.nodeId}@${b.host}:${b.port}`)
      .sort()
      .join(' ');
    console.log(
      `kafka-ready: ${brokers.length} broker(s) [${list}], controller ${controller}, cluster ${clusterId} (${seconds} s)`,
    );
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`kafka-ready: ${err.message}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
