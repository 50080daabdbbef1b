import type { NotificationRequested } from '@app/contracts';
import { buildWorkload, parseMix, WeightedCycle, type ScenarioName } from './workload';

describe('WeightedCycle', () => {
  it('keeps the proportions over every window of one cycle', () => {
    const cycle = new WeightedCycle({ a: 3, b: 1 });
    const drawn = Array.from({ length: 8 }, () => cycle.next());
    expect(drawn.filter((key) => key === 'a')).toHaveLength(6);
    expect(drawn.slice(0, 4).filter((key) => key === 'b')).toHaveLength(1);
    expect(drawn.slice(4, 8).filter((key) => key === 'b')).toHaveLength(1);
  });

  it('needs a positive weight', () => {
    expect(() => new WeightedCycle({ a: 0 })).toThrow();
  });
});

describe('parseMix', () => {
  it('reads name:weight pairs', () => {
    expect(parseMix('viber:40, slip:10')).toEqual({ viber: 40, slip: 10 });
  });

  it.each(['telegram:5', 'viber:0', 'viber', ''])('rejects "%s"', (text) => {
    expect(() => parseMix(text)).toThrow();
  });
});

describe('buildWorkload', () => {
  it('happy path: AUTH_OTP for adults with their own OTP phone and no behaviours to set', () => {
    const workload = buildWorkload({ viber: 1 }, 10);
    expect(workload.persons).toHaveLength(10);
    expect(workload.viberBehaviours.size).toBe(0);
    const event = workload.next();
    const message = JSON.parse(event.value) as NotificationRequested;
    expect(message.type).toBe('AUTH_OTP');
    expect(event.key).toBe(message.subjectPersonId);
    expect(event.eventId).toBe(message.eventId);
    expect(message.payload.verificationCode).toMatch(/^\d{4}$/);
    const subject = workload.persons.find((person) => person.id === message.subjectPersonId)!;
    expect(subject.authenticationMethods[0].type).toBe('OTP');
  });

  it('mixed: each scenario gets its persons and behaviours, events in proportion', () => {
    const workload = buildWorkload({ viber: 2, 'sms-fallback': 1, slip: 1, child: 1, diia: 1 }, 60);
    // sms-fallback persons are NOT_VIBER_USER at the simulator; Diia persons have a tax id set to READ.
    expect(workload.viberBehaviours.size).toBe(workload.subjects['sms-fallback']);
    expect([...workload.viberBehaviours.values()].every((b) => b === 'NOT_VIBER_USER')).toBe(true);
    expect(workload.diiaBehaviours.size).toBe(workload.subjects.diia);
    // Children come with their parents.
    expect(workload.persons).toHaveLength(60 + workload.subjects.child!);

    const byId = new Map(workload.persons.map((person) => [person.id, person]));
    const seen: Record<string, number> = {};
    for (let index = 0; index < 60; index++) {
      const event = workload.next();
      seen[event.scenario] = (seen[event.scenario] ?? 0) + 1;
      const message = JSON.parse(event.value) as NotificationRequested;
      const subject = byId.get(message.subjectPersonId)!;
      const methods = subject.authenticationMethods.map((method) => method.type);
      const checks: Record<ScenarioName, () => void> = {
        viber: () => expect(methods).toEqual(['OTP']),
        'sms-fallback': () => expect(workload.viberBehaviours.has(subject.phones[0].number)).toBe(true),
        diia: () => expect(workload.diiaBehaviours.has(subject.taxId!)).toBe(true),
        slip: () => expect(methods).toEqual(['OFFLINE']),
        child: () => {
          expect(methods).toContain('THIRD_PERSON');
          expect(byId.has(subject.confidantPersons[0].personId)).toBe(true);
        },
      };
      checks[event.scenario]();
    }
    expect(seen).toEqual({ viber: 20, 'sms-fallback': 10, slip: 10, child: 10, diia: 10 });
  });

  it('gives every person a different phone', () => {
    const workload = buildWorkload({ viber: 1, child: 1 }, 200);
    const phones = workload.persons.flatMap((person) => person.phones.map((phone) => phone.number));
    expect(new Set(phones).size).toBe(phones.length);
  });
});
