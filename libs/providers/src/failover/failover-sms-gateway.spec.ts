import { randomUUID } from 'node:crypto';
import { AppMetrics } from '@app/platform';
import { ProviderUnavailableError, type OutgoingMessage } from '../channel-gateway';
import { FakeSmsProvider } from '../fake/fake-sms-provider';
import { InMemoryAttemptJournal, type ProviderAttemptJournal } from './attempt-journal';
import { AttemptJournalUnavailableError, FailoverSmsGateway } from './failover-sms-gateway';
import { parseSmsProviders, providerOrder } from './routing';

const PHONE = '+380931234585';

function message(deliveryId: string = randomUUID()): OutgoingMessage {
  return { deliveryId, address: PHONE, text: 'Код: 1234', ttlSeconds: 300 };
}

/** A delivery id whose first choice (by weight) is `provider`. */
function deliveryStartingAt(provider: string, spec = 'turbosms:70,smsc:30'): string {
  for (;;) {
    const id = randomUUID();
    if (providerOrder(id, parseSmsProviders(spec))[0] === provider) return id;
  }
}

async function metricValue(
  metrics: AppMetrics,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return Number(value?.value ?? 0);
}

describe('FailoverSmsGateway', () => {
  let turbosms: FakeSmsProvider;
  let smsc: FakeSmsProvider;
  let journal: InMemoryAttemptJournal;
  let metrics: AppMetrics;
  let gateway: FailoverSmsGateway;

  function build(spec = 'turbosms:70,smsc:30', overrides: { journal?: ProviderAttemptJournal } = {}) {
    gateway = new FailoverSmsGateway({
      providers: parseSmsProviders(spec, ['turbosms', 'smsc']),
      adapters: [turbosms, smsc],
      journal: overrides.journal ?? journal,
      health: { failureThreshold: 2, cooldownMs: 10_000, maxCooldownMs: 60_000 },
      reports: { silenceMs: 60_000, minMissing: 3, minShare: 0.5 },
      metrics,
    });
    return gateway;
  }

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    turbosms = new FakeSmsProvider('turbosms');
    smsc = new FakeSmsProvider('smsc', { dedupesResends: false });
    journal = new InMemoryAttemptJournal();
    metrics = new AppMetrics('test');
    build();
  });

  afterEach(() => {
    gateway.onApplicationShutdown();
    jest.useRealTimers();
  });

  /** Lets the router's background probe (started by maintenance) finish. */
  const settleProbes = () => new Promise<void>((resolve) => process.nextTick(resolve));
  const advance = async (ms: number) => {
    jest.setSystemTime(Date.now() + ms);
    await settleProbes();
  };

  describe('routing', () => {
    it('splits new deliveries by weight, and a delivery always starts at the same provider', async () => {
      const counts = { turbosms: 0, smsc: 0 };
      for (let i = 0; i < 2000; i++) {
        const result = await gateway.send(message());
        counts[
          result.kind === 'ACCEPTED' ? (gateway.providerOf(result.providerMessageId) as 'smsc') : 'smsc'
        ]++;
      }
      expect(counts.turbosms).toBeGreaterThan(1300);
      expect(counts.turbosms).toBeLessThan(1500);
      const id = randomUUID();
      expect(providerOrder(id, parseSmsProviders('turbosms:70,smsc:30'))).toEqual(
        providerOrder(id, parseSmsProviders('turbosms:70,smsc:30')),
      );
    });

    it('never starts at a standby provider (weight 0), but fails over to it', async () => {
      build('turbosms:100,smsc:0');
      for (let i = 0; i < 50; i++) await gateway.send(message());
      expect(smsc.messages).toHaveLength(0);
      turbosms.behaviour = 'DOWN_503';
      const result = await gateway.send(message());
      expect(result).toMatchObject({ kind: 'ACCEPTED', providerMessageId: expect.stringMatching(/^smsc:/) });
    });

    it('namespaces provider message ids and routes status polls back by the prefix', async () => {
      const a = await gateway.send(message(deliveryStartingAt('turbosms')));
      const b = await gateway.send(message(deliveryStartingAt('smsc')));
      if (a.kind !== 'ACCEPTED' || b.kind !== 'ACCEPTED') throw new Error('expected both accepted');
      expect(a.providerMessageId).toBe(`turbosms:${turbosms.messages[0].id}`);
      expect(b.providerMessageId).toBe(`smsc:${smsc.messages[0].id}`);
      smsc.reports.set(smsc.messages[0].id, 'UNDELIVERED');
      // An id from before namespacing is the legacy provider's (turbosms), and answered under the same id.
      const reports = await gateway.fetchReports([
        a.providerMessageId,
        b.providerMessageId,
        turbosms.messages[0].id,
      ]);
      expect(reports).toEqual(
        expect.arrayContaining([
          { providerMessageId: a.providerMessageId, outcome: 'DELIVERED' },
          { providerMessageId: b.providerMessageId, outcome: 'UNDELIVERED' },
          { providerMessageId: turbosms.messages[0].id, outcome: 'DELIVERED' },
        ]),
      );
    });

    it('passes a recipient reject through without trying the other provider', async () => {
      turbosms.behaviour = 'REJECT';
      const deliveryId = deliveryStartingAt('turbosms');
      await expect(gateway.send(message(deliveryId))).resolves.toEqual({
        kind: 'REJECTED',
        reason: 'STOP_LIST',
      });
      expect(smsc.calls).toHaveLength(0);
    });
  });

  describe('failover and health', () => {
    it('sends through the other provider in the same call when the first certainly did not take it', async () => {
      turbosms.behaviour = 'DOWN_503';
      const deliveryId = deliveryStartingAt('turbosms');
      const result = await gateway.send(message(deliveryId));
      expect(result).toMatchObject({ kind: 'ACCEPTED', providerMessageId: expect.stringMatching(/^smsc:/) });
      expect(journal.history(deliveryId).map((a) => [a.provider, a.outcome, a.reason])).toEqual([
        ['turbosms', 'NOT_SENT', 'HTTP_503'],
        ['smsc', 'ACCEPTED', null],
      ]);
      expect(await metricValue(metrics, 'esoz_sms_failovers_total', { from: 'turbosms', to: 'smsc' })).toBe(
        1,
      );
    });

    it('takes a provider out after consecutive 5xx, skips it with the reason on record, and probes it back', async () => {
      turbosms.behaviour = 'DOWN_503';
      await gateway.send(message(deliveryStartingAt('turbosms')));
      await gateway.send(message(deliveryStartingAt('turbosms')));
      expect(gateway.state().find((p) => p.name === 'turbosms')).toMatchObject({
        up: false,
        outReason: 'ERROR_5XX',
      });
      expect(
        await metricValue(metrics, 'esoz_sms_provider_changes_total', {
          provider: 'turbosms',
          change: 'OUT',
          reason: 'ERROR_5XX',
        }),
      ).toBe(1);
      expect(await metricValue(metrics, 'esoz_sms_provider_up', { provider: 'turbosms' })).toBe(0);

      const calls = turbosms.calls.length;
      const skipped = deliveryStartingAt('turbosms');
      await gateway.send(message(skipped));
      expect(turbosms.calls).toHaveLength(calls); // not even tried
      expect(journal.history(skipped).map((a) => [a.provider, a.outcome, a.reason])).toEqual([
        ['turbosms', 'SKIPPED', 'OUT_ERROR_5XX'],
        ['smsc', 'ACCEPTED', null],
      ]);

      // The probe sends nothing; a failing one keeps it out (and doubles the pause), a good one brings it back.
      turbosms.probeFails = true;
      await advance(10_001);
      await gateway.send(message());
      await settleProbes();
      expect(turbosms.calls.filter((c) => c.op === 'probe')).toHaveLength(1);
      expect(gateway.state()[0].up).toBe(false);
      await advance(10_001);
      await gateway.send(message());
      expect(turbosms.calls.filter((c) => c.op === 'probe')).toHaveLength(1); // 20 s pause now
      turbosms.probeFails = false;
      turbosms.behaviour = 'ACCEPT';
      await advance(10_001);
      await gateway.send(message());
      await settleProbes();
      expect(gateway.state()[0]).toEqual({ name: 'turbosms', weight: 70, up: true });
      expect(turbosms.messages.every((m) => !m.text.includes('probe'))).toBe(true);
      expect(await metricValue(metrics, 'esoz_sms_provider_up', { provider: 'turbosms' })).toBe(1);
    });

    it('with every provider down, still tries one per call and says the message was not sent', async () => {
      turbosms.behaviour = 'DOWN_503';
      smsc.behaviour = 'DOWN_503';
      for (let i = 0; i < 3; i++) {
        const error = await gateway.send(message()).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ProviderUnavailableError);
        expect(error).toMatchObject({ mayHaveSent: false });
      }
      expect(gateway.state().map((p) => p.up)).toEqual([false, false]);
      const before = turbosms.calls.length + smsc.calls.length;
      await gateway.send(message()).catch(() => undefined);
      expect(turbosms.calls.length + smsc.calls.length).toBe(before + 1);
    });

    it('takes a provider out when its reports stop coming', async () => {
      smsc.behaviour = 'ACCEPT';
      for (let i = 0; i < 3; i++) await gateway.send(message(deliveryStartingAt('smsc')));
      // A report for one of turbosms's messages keeps turbosms in; smsc reports nothing.
      const t = await gateway.send(message(deliveryStartingAt('turbosms')));
      await gateway.fromCallback('turbosms', {
        providerMessageId: turbosms.messages[0].id,
        outcome: 'DELIVERED',
        deliveryId: null,
      });
      expect(t.kind).toBe('ACCEPTED');
      await advance(61_000);
      await gateway.send(message(deliveryStartingAt('turbosms')));
      expect(gateway.state()).toEqual([
        { name: 'turbosms', weight: 70, up: true },
        { name: 'smsc', weight: 30, up: false, outReason: 'MISSING_REPORTS' },
      ]);
    });
  });

  describe('missing reports counted across replicas', () => {
    it('takes a provider out when the shared statistics say its reports are missing, and counts afresh after', async () => {
      const asked: { provider: string; since: Date }[] = [];
      let answer = { due: 4, missing: 3 };
      gateway.onApplicationShutdown();
      gateway = new FailoverSmsGateway({
        providers: parseSmsProviders('turbosms:70,smsc:30'),
        adapters: [turbosms, smsc],
        journal,
        health: { failureThreshold: 2, cooldownMs: 10_000, maxCooldownMs: 60_000 },
        reports: { silenceMs: 60_000, minMissing: 3, minShare: 0.5 },
        reportStats: {
          dueReports: async (provider, since) => {
            asked.push({ provider, since });
            return provider === 'smsc' ? answer : { due: 10, missing: 0 };
          },
        },
        metrics,
      });
      await advance(20_000);
      await gateway.send(message());
      await settleProbes();
      await settleProbes();
      expect(gateway.state().map((p) => [p.name, p.up, p.outReason])).toEqual([
        ['turbosms', true, undefined],
        ['smsc', false, 'MISSING_REPORTS'],
      ]);
      // Back by its probe: messages accepted before that no longer count.
      answer = { due: 0, missing: 0 };
      await advance(10_001);
      await gateway.send(message());
      await settleProbes();
      expect(gateway.state()[1].up).toBe(true);
      const backAt = Date.now();
      await advance(20_000);
      await gateway.send(message());
      await settleProbes();
      expect(
        asked
          .filter((a) => a.provider === 'smsc')
          .at(-1)!
          .since.getTime(),
      ).toBeGreaterThanOrEqual(backAt - 1);
    });
  });

  describe('never twice', () => {
    it('keeps a delivery with the provider that may have it after a time-out, even while that one is out', async () => {
      turbosms.behaviour = 'TIMEOUT_AFTER_ACCEPT';
      const deliveryId = deliveryStartingAt('turbosms');
      await expect(gateway.send(message(deliveryId))).rejects.toMatchObject({
        code: 'TIMEOUT',
        mayHaveSent: true,
      });
      expect(smsc.calls).toHaveLength(0);
      // Retries stay with turbosms (its sequence_id answers the resend with the same message).
      await expect(gateway.send(message(deliveryId))).rejects.toMatchObject({ code: 'TIMEOUT' });
      expect(gateway.state()[0].up).toBe(false);
      await expect(gateway.send(message(deliveryId))).rejects.toMatchObject({ code: 'TIMEOUT' });
      turbosms.behaviour = 'ACCEPT';
      const result = await gateway.send(message(deliveryId));
      expect(result).toEqual({ kind: 'ACCEPTED', providerMessageId: `turbosms:${turbosms.messages[0].id}` });
      expect(turbosms.messages).toHaveLength(1);
      expect(smsc.calls.filter((c) => c.deliveryId === deliveryId)).toHaveLength(0);
      expect(journal.history(deliveryId).map((a) => a.outcome)).toEqual([
        'IN_DOUBT',
        'IN_DOUBT',
        'IN_DOUBT',
        'ACCEPTED',
      ]);
    });

    it('asks a provider that does not deduplicate before it resends, and does not send a second copy', async () => {
      smsc.behaviour = 'TIMEOUT_AFTER_ACCEPT';
      const deliveryId = deliveryStartingAt('smsc');
      await expect(gateway.send(message(deliveryId))).rejects.toMatchObject({ mayHaveSent: true });
      smsc.behaviour = 'ACCEPT';
      const result = await gateway.send(message(deliveryId));
      expect(result).toEqual({ kind: 'ACCEPTED', providerMessageId: `smsc:${smsc.messages[0].id}` });
      expect(smsc.messages).toHaveLength(1);
      expect(smsc.sendsOf(deliveryId)).toBe(1);
      expect(journal.history(deliveryId).map((a) => [a.outcome, a.reason])).toEqual([
        ['IN_DOUBT', 'TIMEOUT'],
        ['ACCEPTED', 'FOUND_AT_PROVIDER'],
      ]);
      expect(turbosms.calls).toHaveLength(0);
    });

    it('resends to a non-deduplicating provider when the lookup says it does not have the message', async () => {
      smsc.behaviour = 'TIMEOUT_BEFORE';
      const deliveryId = deliveryStartingAt('smsc');
      await expect(gateway.send(message(deliveryId))).rejects.toMatchObject({ mayHaveSent: true });
      smsc.behaviour = 'ACCEPT';
      await expect(gateway.send(message(deliveryId))).resolves.toMatchObject({ kind: 'ACCEPTED' });
      expect(smsc.messages).toHaveLength(1);
      expect(smsc.calls.map((c) => c.op)).toEqual(['send', 'findSent', 'send']);
    });

    it('resends an accepted delivery (a crash before the engine committed it) to the same provider only', async () => {
      const deliveryId = deliveryStartingAt('turbosms');
      const first = await gateway.send(message(deliveryId));
      turbosms.behaviour = 'DOWN_503';
      // The engine lost the result and tries again while turbosms is down: it must not go to smsc.
      await expect(gateway.send(message(deliveryId))).rejects.toMatchObject({ code: 'HTTP_503' });
      expect(smsc.calls).toHaveLength(0);
      turbosms.behaviour = 'ACCEPT';
      await expect(gateway.send(message(deliveryId))).resolves.toEqual(first);
    });

    it('sends nothing when the attempt journal is unavailable', async () => {
      const broken: ProviderAttemptJournal = {
        holders: () => Promise.reject(new Error('connection refused')),
        begin: () => Promise.reject(new Error('connection refused')),
        settle: () => Promise.reject(new Error('connection refused')),
        skipped: () => Promise.reject(new Error('connection refused')),
      };
      build('turbosms:70,smsc:30', { journal: broken });
      const error = await gateway.send(message()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AttemptJournalUnavailableError);
      expect(error).toMatchObject({ retriable: true, mayHaveSent: false });
      expect(turbosms.calls.length + smsc.calls.length).toBe(0);
    });
  });

  describe('callbacks', () => {
    it('namespaces a callback report, and gives the legacy provider its bare id too', async () => {
      await expect(
        gateway.fromCallback('smsc', { providerMessageId: '42', outcome: 'DELIVERED', deliveryId: null }),
      ).resolves.toEqual([{ providerMessageId: 'smsc:42', outcome: 'DELIVERED', deliveryId: null }]);
      await expect(
        gateway.fromCallback('turbosms', { providerMessageId: 'm-1', outcome: 'EXPIRED', deliveryId: 'd-1' }),
      ).resolves.toEqual([
        { providerMessageId: 'turbosms:m-1', outcome: 'EXPIRED', deliveryId: 'd-1' },
        { providerMessageId: 'm-1', outcome: 'EXPIRED', deliveryId: 'd-1' },
      ]);
      await expect(
        gateway.fromCallback('nobody', { providerMessageId: 'x', outcome: 'DELIVERED' }),
      ).resolves.toEqual([]);
    });
  });

  describe('SMS_PROVIDERS', () => {
    it.each([
      [
        'turbosms:70,smsc:30',
        [
          { name: 'turbosms', weight: 70 },
          { name: 'smsc', weight: 30 },
        ],
      ],
      ['turbosms', [{ name: 'turbosms', weight: 100 }]],
      [
        ' smsc:0 , turbosms:5 ',
        [
          { name: 'smsc', weight: 0 },
          { name: 'turbosms', weight: 5 },
        ],
      ],
    ])('reads %s', (spec, expected) => {
      expect(parseSmsProviders(spec, ['turbosms', 'smsc'])).toEqual(expected);
    });

    it.each(['', 'turbosms:0', 'turbosms:70,turbosms:30', 'turbosms:101', 'turbosms=70', 'alpha:50'])(
      'refuses %j',
      (spec) => {
        expect(() => parseSmsProviders(spec, ['turbosms', 'smsc'])).toThrow(/SMS_PROVIDERS/);
      },
    );
  });
});
