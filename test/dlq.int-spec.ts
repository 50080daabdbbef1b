import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Topic } from '@app/contracts';
import { testKafka } from '@app/testing';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { runDlq } from '../tools/dlq';
import { readBetween, topicEnds } from './support/kafka-inspect';

jest.setTimeout(120_000);

/**
 * `npm run dlq` on the real broker: dead letters as the batch transport writes them (original bytes, reason
 * headers) on esoz.notification.requested.v1.dlq, listed, shown, replayed to the original topic with a
 * redrive count, refused past the maximum, and never a code or a full phone in the output.
 */
describe('npm run dlq', () => {
  const kafka: Kafka = testKafka();
  let admin: Admin;
  let producer: Producer;
  const topic = Topic.NotificationRequested;
  const dlq = `${topic}.dlq`;
  const phone = '+380931234585';
  const code = '4821';
  const runId = randomUUID();
  const startedAt = new Date(Date.now() - 1000);

  const event = (eventId: string) => ({
    eventId,
    type: 'AUTH_OTP',
    occurredAt: new Date().toISOString(),
    subjectPersonId: randomUUID(),
    // Invalid on purpose (a phone where none belongs, a 5-digit code): why it was dead-lettered.
    payload: { verificationCode: code, number: phone, note: `call ${phone}`, run: runId },
  });
  const letter = (eventId: string, reason: string, extra: Record<string, string> = {}) => ({
    key: eventId,
    value: JSON.stringify(event(eventId)),
    headers: {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'x-dlq-reason': reason,
      'x-original-topic': topic,
      'x-original-partition': '0',
      'x-original-offset': '17',
      'x-failed-at': new Date().toISOString(),
      'x-consumer-group': 'esoz-notify.resolver',
      ...extra,
    },
  });
  const ids: Record<string, string> = {
    validation: randomUUID(),
    json: randomUUID(),
    exhausted: randomUUID(),
  };
  let output: string[];
  const run = async (...args: string[]) => {
    output = [];
    const code = await runDlq(args, (text) => output.push(text), kafka);
    return { code, text: output.join('\n') };
  };
  const since = () => startedAt.toISOString();

  beforeAll(async () => {
    admin = kafka.admin();
    producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    await producer.send({
      topic: dlq,
      messages: [
        letter(ids.validation, 'VALIDATION_FAILED: payload.verificationCode must match /^\\d{4}$/'),
        {
          ...letter(ids.json, 'INVALID_JSON'),
          value: `{"eventId":"${ids.json}","payload":{"verificationCode":"${code}","phone":"${phone}"`,
        },
        letter(ids.exhausted, 'VALIDATION_FAILED: payload.number', { 'x-redrive-count': '3' }),
      ],
    });
  });

  afterAll(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  function expectNoSecrets(text: string) {
    expect(text).not.toContain(phone);
    expect(text).not.toContain(phone.slice(1));
    expect(text).not.toContain('931234585');
    expect(text).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
  }

  it('lists the letters of a topic with reasons, times and masked previews', async () => {
    const { code: exit, text } = await run('list', '--topic', topic, '--since', since());
    expect(exit).toBe(0);
    const lines = output.filter((line) => Object.values(ids).some((id) => line.includes(`key=${id}`)));
    expect(lines).toHaveLength(3);
    expect(text).toContain('+38093*****85');
    expect(text).toContain('[redacted]');
    expect(text).toMatch(
      /3 dead letter\(s\) in esoz\.notification\.requested\.v1\.dlq: VALIDATION_FAILED 2, INVALID_JSON 1/,
    );
    expectNoSecrets(text);
  });

  it('filters by reason and by time', async () => {
    await run('list', '--topic', dlq, '--since', since(), '--reason', 'INVALID_JSON');
    expect(output.at(-1)).toMatch(/^1 dead letter\(s\)/);
    await run('list', '--topic', dlq, '--since', since(), '--until', startedAt.toISOString());
    expect(output.at(-1)).toMatch(/^0 dead letter\(s\)/);
    await run('list', '--topic', dlq, '--since', '2m', '--reason', 'VALIDATION_FAILED');
    expect(
      output.filter((line) => [ids.validation, ids.exhausted].some((id) => line.includes(`key=${id}`))),
    ).toHaveLength(2);
  });

  it('shows one letter with its headers, codes redacted and phones masked', async () => {
    await run('list', '--topic', dlq, '--since', since(), '--reason', 'INVALID_JSON');
    const [position] = output[0].split('  ');
    const [partition, offset] = position.split(':');
    const { code: exit, text } = await run(
      'show',
      '--topic',
      dlq,
      '--partition',
      partition,
      '--offset',
      offset,
    );
    expect(exit).toBe(0);
    expect(text).toContain('x-dlq-reason: INVALID_JSON');
    expect(text).toContain('x-original-topic: esoz.notification.requested.v1');
    expect(text).toContain('"verificationCode":"[redacted]"');
    expectNoSecrets(text);
  });

  it('a dry run replays nothing', async () => {
    const before = await topicEnds(admin, [topic]);
    const { text } = await run('replay', '--topic', dlq, '--since', since(), '--dry-run');
    expect(text).toMatch(/dry run: 2 would be replayed, 1 refused; nothing sent/);
    expect(text).toMatch(/refused .*redriven 3 times already \(maximum 3\)/);
    expectNoSecrets(text);
    expect(await topicEnds(admin, [topic])).toEqual(before);
  });

  it('refuses to replay everything without a filter', async () => {
    await expect(run('replay', '--topic', dlq)).rejects.toThrow(/needs a filter/);
  });

  it('replays to the original topic with the redrive count, refusing past the maximum', async () => {
    const before = await topicEnds(admin, [topic]);
    const { code: exit, text } = await run(
      'replay',
      '--topic',
      dlq,
      '--since',
      since(),
      '--max-redrives',
      '3',
    );
    expect(exit).toBe(0);
    expect(text).toMatch(/replayed 2 \(2 → esoz\.notification\.requested\.v1\), refused 1/);
    expectNoSecrets(text);
    const after = await topicEnds(admin, [topic]);
    const replayed = (await readBetween(kafka, before, after)).filter((message) =>
      Object.values(ids).includes(message.key?.toString() ?? ''),
    );
    expect(replayed.map((message) => message.key?.toString()).sort()).toEqual(
      [ids.json, ids.validation].sort(),
    );
    for (const message of replayed) {
      expect(message.headers['x-redrive-count']).toBe('1');
      expect(message.headers['x-redriven-from']).toMatch(/^esoz\.notification\.requested\.v1\.dlq:\d+:\d+$/);
      // The original producer's headers travel on; the transport's DLQ headers do not.
      expect(message.headers.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
      expect(message.headers['x-dlq-reason']).toBeUndefined();
    }
    // The original bytes, unchanged (the code included: the consumer needs the message as it was).
    const validation = replayed.find((message) => message.key?.toString() === ids.validation)!;
    expect(JSON.parse(validation.value!.toString()).payload.verificationCode).toBe(code);
  });

  it('a letter redriven before is replayed with its count + 1 below the maximum and refused at it', async () => {
    const eventId = randomUUID();
    await producer.send({
      topic: dlq,
      messages: [letter(eventId, 'VALIDATION_FAILED: x', { 'x-redrive-count': '1' })],
    });
    const { text } = await run(
      'replay',
      '--topic',
      dlq,
      '--since',
      since(),
      '--reason',
      'VALIDATION_FAILED: x',
      '--max-redrives',
      '2',
    );
    expect(text).toMatch(/replayed 1 /);
    const refusedAtMax = await run(
      'replay',
      '--topic',
      dlq,
      '--since',
      since(),
      '--reason',
      'VALIDATION_FAILED: x',
      '--max-redrives',
      '1',
    );
    expect(refusedAtMax.text).toMatch(/refused .*redriven 1 times already \(maximum 1\)/);
    expect(refusedAtMax.code).toBe(1);
  });
});
