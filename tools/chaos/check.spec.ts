import { smscMessageId } from '@app/providers';
import { attributeSmscMessages, checkRun, type CheckInput, type DeliveryRow, type StatusRow } from './check';

const EVENT = '00000000-0000-4000-8000-000000000001';
const NOTIFICATION = '00000000-0000-4000-8000-0000000000aa';
const VIBER = '00000000-0000-4000-8000-0000000000b1';
const SMS = '00000000-0000-4000-8000-0000000000b2';
const PHONE = '+380931234585';
const publishedAt = Date.parse('2026-11-23T10:00:00.000Z');

const status = (value: string, channel: string | null, terminal = false): StatusRow => ({
  event_id: EVENT,
  notification_id: NOTIFICATION,
  status: value,
  channel,
  reason: null,
  is_terminal: terminal,
  at: new Date(publishedAt + 2000),
});

const delivery = (id: string, channel: string, step: number, state: string): DeliveryRow => ({
  id,
  event_id: EVENT,
  notification_id: NOTIFICATION,
  channel,
  state,
  step,
  attempts: 1,
  provider_message_id: `m-${id}`,
  last_error: null,
  late_report: null,
});

const message = (id: string, channel: 'VIBER' | 'SMS', sequenceId: string) => ({
  id,
  phone: PHONE,
  channel,
  sequenceId,
  status: 'Delivered',
});

/** One event delivered by Viber, seen everywhere: the clean case each test then breaks one way. */
function viberDelivered(): CheckInput {
  return {
    events: [
      { eventId: EVENT, type: 'AUTH_OTP', expected: 'DELIVERED/VIBER', publishedAt, recipientPhone: PHONE },
    ],
    notifications: [{ id: NOTIFICATION, event_id: EVENT, state: 'RESOLVED' }],
    statuses: [status('RESOLVED', null), status('SENT', 'VIBER'), status('DELIVERED', 'VIBER', true)],
    deliveries: [delivery(VIBER, 'VIBER', 1, 'DELIVERED')],
    simulatorMessages: [message('v1', 'VIBER', VIBER)],
    diiaPushIds: new Set(),
    announced: new Map([
      [
        EVENT,
        [{ status: 'DELIVERED', channel: 'VIBER', notificationId: NOTIFICATION, offset: '0', partition: 0 }],
      ],
    ]),
    inputEvents: new Set([EVENT]),
    untouchedPhones: new Set(),
    deadLetters: [],
    outboxLeft: 0,
  };
}

/** Viber sent, no report in time, SMS delivered: a message on both channels, allowed after FELL_BACK. */
function fellBackToSms(viberState = 'FELL_BACK'): CheckInput {
  const input = viberDelivered();
  input.statuses = [
    status('RESOLVED', null),
    status('SENT', 'VIBER'),
    status('FALLBACK', 'VIBER'),
    status('SENT', 'SMS'),
    status('DELIVERED', 'SMS', true),
  ];
  input.deliveries = [delivery(VIBER, 'VIBER', 1, viberState), delivery(SMS, 'SMS', 2, 'DELIVERED')];
  input.simulatorMessages = [message('v1', 'VIBER', VIBER), message('s1', 'SMS', SMS)];
  input.announced = new Map([
    [
      EVENT,
      [{ status: 'DELIVERED', channel: 'SMS', notificationId: NOTIFICATION, offset: '0', partition: 0 }],
    ],
  ]);
  return input;
}

const counts = (input: CheckInput) => {
  const { lost, duplicated, stuck, inconsistent, findingsByCode } = checkRun(input);
  return { lost, duplicated, stuck, inconsistent, codes: Object.keys(findingsByCode) };
};
const clean = { lost: 0, duplicated: 0, stuck: 0, inconsistent: 0, codes: [] };

describe('chaos checks (tools/chaos/check.ts)', () => {
  it('passes an event delivered once, announced once', () => {
    const result = checkRun(viberDelivered());
    expect(counts(viberDelivered())).toEqual(clean);
    expect(result.terminalCounts).toEqual({ 'DELIVERED/VIBER': 1 });
    expect(result.timeToTerminal.p50Ms).toBe(2000);
  });

  it('allows Viber and SMS messages for one event when the Viber delivery FELL_BACK (documented late report case)', () => {
    expect(counts(fellBackToSms())).toEqual(clean);
    expect(checkRun(fellBackToSms()).notes.messagesOnTwoChannelsAfterFallback).toBe(1);
  });

  it('flags a Viber message and an SMS when Viber did not fall back', () => {
    expect(counts(fellBackToSms('DELIVERED'))).toMatchObject({
      duplicated: 1,
      codes: expect.arrayContaining(['SENT_ON_TWO_CHANNELS']),
    });
  });

  it('flags a second message on one channel for one event', () => {
    const input = viberDelivered();
    input.simulatorMessages.push(message('v2', 'VIBER', VIBER));
    expect(counts(input)).toMatchObject({ duplicated: 1, codes: ['MESSAGE_TWICE'] });
  });

  it('calls an event without a terminal status stuck, and one the resolver never recorded lost', () => {
    const stuck = viberDelivered();
    stuck.statuses = stuck.statuses.filter((row) => !row.is_terminal);
    stuck.deliveries = [delivery(VIBER, 'VIBER', 1, 'SENT')];
    stuck.announced = new Map();
    expect(counts(stuck)).toEqual({
      ...clean,
      stuck: 1,
      codes: ['NO_TERMINAL', 'DELIVERY_UNFINISHED'],
    });

    const lost = viberDelivered();
    lost.notifications = [];
    lost.statuses = [];
    lost.deliveries = [];
    lost.simulatorMessages = [];
    lost.announced = new Map();
    expect(counts(lost)).toMatchObject({ lost: 1, codes: ['NO_NOTIFICATION'] });
    lost.inputEvents = new Set();
    expect(counts(lost)).toMatchObject({ lost: 1, codes: ['NOT_IN_INPUT_TOPIC'] });
  });

  it('checks what upstream heard: nothing, or two different terminal statuses', () => {
    const unannounced = viberDelivered();
    unannounced.announced = new Map();
    expect(counts(unannounced)).toMatchObject({ lost: 1, codes: ['NOT_ANNOUNCED'] });

    const twice = viberDelivered();
    twice.announced!.get(EVENT)!.push({
      status: 'FAILED',
      channel: 'SMS',
      notificationId: NOTIFICATION,
      offset: '1',
      partition: 0,
    });
    expect(counts(twice)).toMatchObject({ duplicated: 1, codes: ['ANNOUNCED_TWICE'] });

    const republished = viberDelivered();
    republished.announced!.get(EVENT)!.push({ ...republished.announced!.get(EVENT)![0], offset: '1' });
    expect(counts(republished)).toEqual(clean);
    expect(checkRun(republished).notes.republishedTerminalCopies).toBe(1);
  });

  it('flags DELIVERED without the provider having the message, and messages to phones that must get none', () => {
    const phantom = viberDelivered();
    phantom.simulatorMessages = [];
    expect(counts(phantom)).toMatchObject({ inconsistent: 1, codes: ['DELIVERED_NOT_AT_PROVIDER'] });

    const child = viberDelivered();
    child.untouchedPhones = new Set([PHONE]);
    expect(counts(child).codes).toContain('MESSAGE_TO_UNTOUCHED_PHONE');
  });

  it('counts dead letters of our groups and a non-empty outbox', () => {
    const input = viberDelivered();
    input.deadLetters = [
      { topic: 'esoz.delivery.sms.v1.dlq', key: 'k', reason: 'UNHANDLED_Error', group: 'g.sms' },
    ];
    input.outboxLeft = 2;
    const result = checkRun(input);
    expect(result.deadLettered).toBe(1);
    expect(result.lost).toBe(1);
    expect(result.stuck).toBe(1);
  });
});

describe('attributeSmscMessages', () => {
  it('gives an SMSC message the delivery id its number and phone come from, and leaves the rest alone', () => {
    const delivery = { id: '4b1e2c58-9a2f-4f64-8d5e-2a0d2f6c9b11', phone: '+380931234585' };
    const other = { id: '0f1e2c58-9a2f-4f64-8d5e-2a0d2f6c9b12', phone: '+380931234586' };
    const smsc = {
      id: String(smscMessageId(delivery.id)),
      phone: delivery.phone,
      channel: 'SMS',
      sequenceId: null,
      status: 'DELIVERED',
      provider: 'smsc',
    };
    const stranger = { ...smsc, phone: '+380931234587' };
    const turbo = { ...smsc, id: 't-1', sequenceId: other.id, provider: 'turbosms' };
    expect(attributeSmscMessages([smsc, stranger, turbo], [delivery, other])).toEqual([
      { ...smsc, sequenceId: delivery.id },
      stranger,
      turbo,
    ]);
  });
});
