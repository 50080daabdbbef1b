import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { Kafka } from 'kafkajs';
import {
  type DeadLetter,
  type DeadLetterFilter,
  dlqTopics,
  planReplay,
  readDeadLetters,
  replay,
  toDlqTopic,
} from './dlq/dead-letters';
import { redactHeader, redactValue, redactValuePretty } from './dlq/redact';
import { toolKafka } from './lib/kafka';

const USAGE = `npm run dlq -- <command> [options]

  list                       dead letters per DLQ topic (counts), or with --topic each letter
  show   --topic T --partition P --offset O
                             one dead letter: headers and value (codes redacted, phones masked)
  replay --topic T <filter> [--dry-run] [--max-redrives N]
                             produce the matching letters to their original topic (x-original-topic) with
                             x-redrive-count + 1; letters already redriven N times (default 3) are refused

  --topic T        consumed topic or its DLQ (esoz.delivery.sms.v1 or esoz.delivery.sms.v1.dlq)
  --reason R       reason code (VALIDATION_FAILED, INVALID_JSON, ...): matches "R" and "R: ..."
  --since S        ISO time or an age: 30m, 2h, 7d (by x-failed-at)
  --until U        same
  --partition P, --offset O   one letter
  --all            replay: every letter of the topic (a filter is required otherwise)
  --limit N        list: at most N letters (newest last; default 200)

Never prints a verification code or a full phone number. Env: KAFKA_BROKERS (127.0.0.1:9092).`;

export class UsageError extends Error {}

/** `2026-01-01T10:00:00Z`, or an age before now: `90s`, `30m`, `2h`, `7d`. */
export function parseTime(value: string, now = Date.now()): Date {
  const age = /^(\d+)([smhd])$/.exec(value);
  if (age) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now - Number(age[1]) * unit);
  }
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new UsageError(`not a time or an age: ${value}`);
  return time;
}

function line(letter: DeadLetter): string {
  return [
    `${letter.partition}:${letter.offset}`,
    letter.failedAt?.toISOString() ?? '-',
    letter.reason.split(':')[0],
    `from=${letter.originalTopic ?? '?'}:${letter.headers['x-original-partition'] ?? '?'}:${letter.headers['x-original-offset'] ?? '?'}`,
    `redrives=${letter.redriveCount}`,
    `key=${letter.key ? redactValue(letter.key, 40) : '-'}`,
    redactValue(letter.value, 160),
  ].join('  ');
}

export async function runDlq(
  argv: string[],
  print: (text: string) => void = console.log,
  kafka: Kafka = toolKafka('esoz-notify-dlq'),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      topic: { type: 'string' },
      reason: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      partition: { type: 'string' },
      offset: { type: 'string' },
      limit: { type: 'string' },
      'max-redrives': { type: 'string' },
      'dry-run': { type: 'boolean' },
      all: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    print(USAGE);
    return command || values.help ? 0 : 2;
  }
  if (!['list', 'show', 'replay'].includes(command)) throw new UsageError(`unknown command ${command}`);
  const filter: DeadLetterFilter = {
    reason: values.reason,
    since: values.since ? parseTime(values.since) : undefined,
    until: values.until ? parseTime(values.until) : undefined,
    partition: values.partition !== undefined ? Number(values.partition) : undefined,
    offset: values.offset,
  };
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (command === 'list' && !values.topic) {
      for (const topic of await dlqTopics(admin)) {
        const offsets = await admin.fetchTopicOffsets(topic);
        const retained = offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
        print(`${topic}  ${retained} retained`);
      }
      print('(npm run dlq -- list --topic <topic> for the letters)');
      return 0;
    }
    if (!values.topic) throw new UsageError(`${command} needs --topic`);
    const topic = toDlqTopic(values.topic);
    if (!(await admin.listTopics()).includes(topic)) throw new UsageError(`no topic ${topic}`);

    if (command === 'show') {
      if (filter.partition === undefined || filter.offset === undefined)
        throw new UsageError('show needs --partition and --offset');
      const [letter] = await readDeadLetters(kafka, admin, topic, filter);
      if (!letter) {
        print(`no dead letter at ${topic} ${filter.partition}:${filter.offset}`);
        return 1;
      }
      print(`${topic} ${letter.partition}:${letter.offset}`);
      for (const [name, value] of Object.entries(letter.headers))
        print(`  ${name}: ${redactHeader(name, value)}`);
      print(`  key: ${letter.key ? redactValue(letter.key, 200) : '-'}`);
      print(redactValuePretty(letter.value));
      return 0;
    }

    if (command === 'list') {
      const letters = await readDeadLetters(kafka, admin, topic, filter);
      const limit = Number(values.limit ?? 200);
      for (const letter of letters.slice(-limit)) print(line(letter));
      const reasons = new Map<string, number>();
      for (const letter of letters) {
        const code = letter.reason.split(':')[0];
        reasons.set(code, (reasons.get(code) ?? 0) + 1);
      }
      print(
        `${letters.length} dead letter(s) in ${topic}${letters.length > limit ? ` (last ${limit} shown)` : ''}` +
          (reasons.size > 0 ? `: ${[...reasons].map(([code, count]) => `${code} ${count}`).join(', ')}` : ''),
      );
      return 0;
    }

    // replay
    const filtered = [filter.reason, filter.since, filter.until, filter.offset].some(
      (value) => value !== undefined,
    );
    if (!filtered && !values.all)
      throw new UsageError('replay needs a filter (--reason, --since, --until, --offset) or --all');
    const maxRedrives = Number(values['max-redrives'] ?? 3);
    if (!Number.isInteger(maxRedrives) || maxRedrives < 1) throw new UsageError('--max-redrives must be ≥ 1');
    const plans = planReplay(await readDeadLetters(kafka, admin, topic, filter), maxRedrives);
    const dryRun = values['dry-run'] === true;
    for (const plan of plans)
      print(
        `${plan.refused ? 'refused' : dryRun ? 'would replay' : 'replay'}  ${line(plan.letter)}` +
          (plan.refused ? `  (${plan.refused})` : `  → ${plan.target}`),
      );
    const accepted = plans.filter((plan) => !plan.refused).length;
    const refused = plans.length - accepted;
    if (dryRun) {
      print(`dry run: ${accepted} would be replayed, ${refused} refused; nothing sent`);
      return 0;
    }
    const sent = await replay(kafka, plans);
    print(
      `replayed ${accepted} (${sent.map(({ topic: to, count }) => `${count} → ${to}`).join(', ') || 'none'}), refused ${refused}`,
    );
    return refused > 0 && accepted === 0 ? 1 : 0;
  } finally {
    await admin.disconnect();
  }
}

if (require.main === module) {
  runDlq(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(
        error instanceof UsageError
          ? `${error.message}\n\n${USAGE}`
          : `dlq: ${redactValue(Buffer.from(error.message), 500)}`,
      );
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}
