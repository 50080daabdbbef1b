import 'reflect-metadata';
import { Topic } from '@app/contracts';
import { maskPhonesInText } from '@app/platform';
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import {
  channelPath,
  checkAgainstExpectation,
  splitByChain,
  checkNoSecrets,
  fallbackReasons,
  reportedRecipient,
  terminalEntries,
  type Outcome,
  type SupportView,
  type TimelineEntry,
} from './demo/evaluate';
import { buildDemoPlan, type Behaviours, type DemoPlan, type Scenario } from './demo/scenarios';
import { deleteGroupsQuietly, otherActiveGroups, toolKafka, wire } from './lib/kafka';
import { answers, requestJson, sleep } from './lib/net';
import { waitForPersons } from './lib/read-model';
import { choosePorts, DEFAULT_PORTS, startInProcessSystem, type Ports } from './lib/system';

/**
 * `npm run demo`: walks the contract's main routes end to end on real Kafka and Postgres. Uses the system
 * `npm start` runs when it is up, else starts every app in this process. Exits 1 when any scenario did
 * not end as the contract says.
 */

const SUPPORT_TOKEN = process.env.SUPPORT_TOKEN ?? 'local-support-token';
const MIS_TOKEN = process.env.MIS_TOKEN ?? 'local-mis-token';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/esoz_notify';
const TERMINAL_WAIT_MS = 60_000;

interface Target {
  description: string;
  /** Which consumer groups belong to the system we drive (everything else on the broker is someone else's). */
  ownsGroup(groupId: string): boolean;
  url(app: keyof Ports): string;
  close(): Promise<void>;
}

async function main(): Promise<number> {
  const plan = buildDemoPlan();
  const target = await connectOrStart();
  console.log(target.description);
  const producer = toolKafka('esoz-notify-demo').producer();
  const db = new Client({ connectionString: DATABASE_URL });
  try {
    await Promise.all([producer.connect(), db.connect()]);
    await warnAboutOtherConsumers(target);
    await setBehaviours(target, plan.behaviours);
    await publishPersons(producer, db, plan);
    await publish(
      producer,
      Topic.NotificationRequested,
      plan.scenarios.map(({ event }) => ({ key: event.subjectPersonId, value: event })),
    );
    console.log(
      `Published ${plan.persons.length} persons and ${plan.scenarios.length} events; waiting up to ${TERMINAL_WAIT_MS / 1000} s for terminal statuses...`,
    );
    const outcomes = await collectOutcomes(target, db, plan);
    printTable(outcomes);
    return outcomes.some((outcome) => outcome.problems.length > 0) ? 1 : 0;
  } finally {
    await producer.disconnect().catch(() => undefined);
    await db.end().catch(() => undefined);
    await target.close();
  }
}

/** The running system when its resolver answers, else the whole system in this process. */
async function connectOrStart(): Promise<Target> {
  if (await answers(`http://127.0.0.1:${DEFAULT_PORTS.resolver}/health`)) {
    return {
      description: 'Using the running system (npm start).',
      ownsGroup: (groupId) => groupId.startsWith('esoz-notify.'),
      url: (app) => `http://127.0.0.1:${DEFAULT_PORTS[app]}`,
      close: async () => undefined,
    };
  }
  const ports = await choosePorts();
  const groupPrefix = `demo-${Date.now()}`;
  const system = await startInProcessSystem({
    apps: ['resolver', 'viber-sender', 'sms-sender', 'diia-push-stub', 'info-slip-renderer'],
    ports,
    groupPrefix,
    env: { LOG_LEVEL: process.env.DEMO_LOG_LEVEL ?? 'warn' },
  });
  const admin = toolKafka('esoz-notify-demo').admin();
  return {
    description: `No running system on :${DEFAULT_PORTS.resolver}; started all apps in-process (${Object.entries(
      ports,
    )
      .map(([app, port]) => `${app} :${port}`)
      .join(', ')}).`,
    ownsGroup: (groupId) => groupId.startsWith(`${groupPrefix}.`),
    url: system.url,
    close: async () => {
      await system.close();
      await admin.connect();
      await deleteGroupsQuietly(admin, system.groupIds);
      await admin.disconnect();
    },
  };
}

async function warnAboutOtherConsumers(target: Target): Promise<void> {
  const admin = toolKafka('esoz-notify-demo').admin();
  await admin.connect();
  try {
    const others = await otherActiveGroups(admin, target.ownsGroup);
    if (others.length > 0) {
      console.log(
        `Note: other consumer groups are active on this broker (${others.join(', ')}). If another system consumes the contract topics, it will also process this demo's events, and this system theirs; such statuses are shown apart.`,
      );
    }
  } finally {
    await admin.disconnect();
  }
}

async function setBehaviours(target: Target, behaviours: Behaviours): Promise<void> {
  for (const [phone, viber] of Object.entries(behaviours.viber)) {
    await expectOk(
      requestJson(
        'PUT',
        `${target.url('provider-simulator')}/__control/recipients/${encodeURIComponent(phone)}`,
        { body: { viber } },
      ),
      'simulator behaviour',
    );
  }
  for (const [taxId, diia] of Object.entries(behaviours.diia)) {
    await expectOk(
      requestJson('PUT', `${target.url('diia-push-stub')}/__control/recipients/${taxId}`, { body: { diia } }),
      'Diia stub behaviour',
    );
  }
}

async function expectOk(call: Promise<{ status: number }>, what: string): Promise<void> {
  const { status } = await call;
  if (status >= 300) throw new Error(`${what}: HTTP ${status}`);
}

async function publish(
  producer: Producer,
  topic: string,
  messages: { key: string; value: object }[],
): Promise<void> {
  await producer.send({
    topic: wire(topic),
    messages: messages.map(({ key, value }) => ({ key, value: JSON.stringify(value) })),
  });
}

/**
 * Persons first, and wait until the resolver has them all: a child's event resolved before the mother's
 * snapshot arrived would (correctly) find no usable representative.
 */
async function publishPersons(producer: Producer, db: Client, plan: DemoPlan): Promise<void> {
  await publish(
    producer,
    Topic.Person,
    plan.persons.map(({ snapshot }) => ({ key: snapshot.id, value: snapshot })),
  );
  await waitForPersons(
    db,
    plan.persons.map(({ snapshot }) => snapshot.id),
    30_000,
  );
}

async function fetchView(target: Target, eventId: string): Promise<{ view?: SupportView; raw?: string }> {
  const { status, body } = await requestJson<SupportView>(
    'GET',
    `${target.url('resolver')}/notifications/${eventId}`,
    { token: SUPPORT_TOKEN },
  );
  if (status === 404) return {};
  if (status !== 200) throw new Error(`GET /notifications/{eventId}: HTTP ${status}`);
  return { view: body, raw: JSON.stringify(body) };
}

/** Polls every event until each has a terminal status or the wait is over, then checks each one. */
async function collectOutcomes(target: Target, db: Client, plan: DemoPlan): Promise<Outcome[]> {
  const pending = new Set(plan.scenarios);
  const deadline = Date.now() + TERMINAL_WAIT_MS;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const scenario of [...pending]) {
      const { view } = await fetchView(target, scenario.event.eventId);
      if (terminalEntries(view?.timeline ?? []).length > 0) pending.delete(scenario);
    }
    if (pending.size > 0) await sleep(500);
  }
  // A moment more, so a second (wrong) terminal status or a late report has time to show up.
  await sleep(1500);
  const phones = plan.persons.flatMap((person) => (person.phone ? [person.phone] : []));
  const outcomes: Outcome[] = [];
  for (const scenario of plan.scenarios) outcomes.push(await evaluate(target, db, scenario, phones));
  return outcomes;
}

/**
 * The event's statuses with their notification ids, which the support API does not show: the same rows
 * (notification_status_log by event id), read from Postgres so a second decision can be told apart.
 */
async function readTimeline(db: Client, eventId: string) {
  const { rows } = await db.query<TimelineEntry>(
    `SELECT status, channel, reason, recipient, at, notification_id AS "notificationId"
     FROM notification_status_log WHERE event_id = $1 ORDER BY at, id`,
    [eventId],
  );
  const own = await db.query<{ id: string }>(`SELECT id FROM notification WHERE event_id = $1`, [eventId]);
  return splitByChain(rows, own.rows[0]?.id);
}

async function evaluate(target: Target, db: Client, scenario: Scenario, phones: string[]): Promise<Outcome> {
  const { raw } = await fetchView(target, scenario.event.eventId);
  const { timeline, others, foreignChain } = await readTimeline(db, scenario.event.eventId);
  const outcome: Outcome = {
    scenario,
    timeline,
    others,
    foreignChain,
    problems: checkAgainstExpectation(scenario, timeline),
    notes: [],
  };
  if (!raw) outcome.problems.push('support API does not know the event');
  else outcome.problems.push(...checkNoSecrets(raw, phones, scenario.code));
  outcome.problems.push(...(await checkProviderSide(target, scenario, timeline)));
  if (others.length > 0 || foreignChain) outcome.notes.push(describeCrossTalk(outcome));
  if (scenario.downloadSlip && terminalEntries(timeline)[0]?.status === 'SLIP_READY')
    await downloadSlip(target, outcome);
  return outcome;
}

function describeCrossTalk({ others, foreignChain }: Outcome): string {
  const statuses =
    others.map((entry) => `${entry.status}${entry.channel ? `:${entry.channel}` : ''}`).join(', ') || 'none';
  const whose = foreignChain
    ? "the row shows another system's decision (it reached the terminal status first)"
    : 'the row shows our decision';
  return `two decisions for this event id (another system on this broker): ${whose}; the other chain's statuses: ${statuses}`;
}

/** What the provider simulator actually accepted: the right phone and channel, carrying the code. */
async function checkProviderSide(
  target: Target,
  scenario: Scenario,
  timeline: TimelineEntry[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const phone of scenario.untouchedPhones ?? []) {
    if ((await simulatorMessages(target, phone)).length > 0)
      problems.push('a message went to a phone that must not be used');
  }
  const terminal = terminalEntries(timeline)[0];
  const recipientPhone = scenario.expect.recipient?.person.phone;
  if (
    terminal?.status === 'DELIVERED' &&
    recipientPhone &&
    (terminal.channel === 'VIBER' || terminal.channel === 'SMS')
  ) {
    const sent = await simulatorMessages(target, recipientPhone);
    if (
      !sent.some(
        (message) =>
          message.channel === terminal.channel && (!scenario.code || message.text.includes(scenario.code)),
      )
    ) {
      problems.push(`simulator has no ${terminal.channel} message with the code for the recipient`);
    }
  }
  return problems;
}

async function simulatorMessages(
  target: Target,
  phone: string,
): Promise<{ channel: string; text: string }[]> {
  const { body } = await requestJson<{ channel: string; text: string }[]>(
    'GET',
    `${target.url('provider-simulator')}/__control/messages?phone=${encodeURIComponent(phone)}`,
  );
  return body ?? [];
}

/** The doctor's MIS side of §9: the PDF with the bearer token, 401 without it. */
async function downloadSlip(target: Target, outcome: Outcome): Promise<void> {
  const url = `${target.url('info-slip-renderer')}/slips/${outcome.scenario.event.eventId}.pdf`;
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${MIS_TOKEN}` },
    signal: AbortSignal.timeout(15_000),
  });
  const pdf = Buffer.from(await response.arrayBuffer());
  const type = response.headers.get('content-type') ?? '?';
  if (response.status !== 200 || !pdf.subarray(0, 5).equals(Buffer.from('%PDF-'))) {
    outcome.problems.push(`slip download: HTTP ${response.status}, ${type}, ${pdf.length} bytes`);
  } else {
    outcome.notes.push(
      `slip PDF downloaded: ${pdf.length} bytes (${(pdf.length / 1024).toFixed(1)} KiB), ${type}`,
    );
  }
  const anonymous = await fetch(url, { signal: AbortSignal.timeout(5000) });
  await anonymous.arrayBuffer();
  if (anonymous.status !== 401)
    outcome.problems.push(`slip download without token: HTTP ${anonymous.status}, expected 401`);
}

const crossTalk = (outcome: Outcome) => outcome.others.length > 0 || outcome.foreignChain;
const verdict = (outcome: Outcome) =>
  outcome.problems.length > 0 ? 'FAIL' : crossTalk(outcome) ? 'ok*' : 'ok';

function printTable(outcomes: Outcome[]): void {
  const header = [
    '#',
    'scenario',
    'recipient',
    'masked phone',
    'channel path',
    'terminal',
    'reason',
    'fallbacks',
    'check',
  ];
  const rows = outcomes.map((outcome, index) => {
    const terminal = terminalEntries(outcome.timeline)[0];
    const recipient = reportedRecipient(outcome.timeline);
    return [
      String(index + 1),
      outcome.scenario.name,
      recipient?.role ?? '—',
      recipient?.maskedPhone ?? '—',
      channelPath(outcome.timeline).join(' → ') || '—',
      terminal ? `${terminal.status}${terminal.channel ? ` (${terminal.channel})` : ''}` : 'none in time',
      terminal?.reason ?? '—',
      fallbackReasons(outcome.timeline).join(', ') || '—',
      verdict(outcome),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  // Phones in the table are already masked by the system; maskPhonesInText is a last guard.
  const print = (text: string) => console.log(maskPhonesInText(text));
  print('');
  print(line(header));
  print(widths.map((width) => '-'.repeat(width)).join('  '));
  rows.forEach((row) => print(line(row)));
  print('');
  for (const [index, outcome] of outcomes.entries()) {
    for (const note of outcome.notes) print(`#${index + 1} ${outcome.scenario.name}: ${note}`);
    for (const problem of outcome.problems)
      print(`#${index + 1} ${outcome.scenario.name}: PROBLEM: ${problem}`);
  }
  if (outcomes.some(crossTalk))
    print(
      'ok* = ended as expected, but a second system on this broker also decided the event (see the notes above).',
    );
  const failed = outcomes.filter((outcome) => outcome.problems.length > 0).length;
  print(
    failed === 0
      ? `All ${outcomes.length} scenarios ended as the contract says.`
      : `${failed} of ${outcomes.length} scenarios did not end as expected.`,
  );
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`demo failed: ${maskPhonesInText(error.stack ?? error.message)}`);
    process.exit(2);
  },
);
