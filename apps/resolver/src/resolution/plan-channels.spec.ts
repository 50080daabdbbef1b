import { planChannels, type ChannelPlan, type ChannelPlanInput } from './plan-channels';
import type { NotificationType } from './resolution.types';

const WITH_DIIA = { diiaEnabled: true };
const TAX_ID = '3012345678';

describe('planChannels', () => {
  describe('OTP recipient with a tax id, Diia enabled', () => {
    it.each<[NotificationType, ChannelPlan]>([
      ['MEDICATION_REQUEST_CREATED', { deliverable: true, channels: ['DIIA', 'VIBER', 'SMS'] }],
      ['MEDICATION_REQUEST_REJECTED', { deliverable: true, channels: ['DIIA', 'VIBER', 'SMS'] }],
      ['SERVICE_REQUEST_CREATED', { deliverable: true, channels: ['DIIA', 'VIBER', 'SMS'] }],
      ['CARE_PLAN_CREATED', { deliverable: true, channels: ['DIIA', 'VIBER', 'SMS'] }],
      ['AUTH_OTP', { deliverable: true, channels: ['VIBER', 'SMS'] }],
      ['SERVICE_REQUEST_RECALLED', { deliverable: true, channels: ['VIBER', 'SMS'] }],
      ['SERVICE_REQUEST_CANCELLED', { deliverable: true, channels: ['VIBER', 'SMS'] }],
      ['MEDICAL_CONCLUSION_CREATED', { deliverable: true, channels: ['VIBER', 'SMS'] }],
    ])('%s -> %j', (notificationType, expected) => {
      expect(
        planChannels({ methodType: 'OTP', notificationType, recipientTaxId: TAX_ID }, WITH_DIIA),
      ).toEqual(expected);
    });
  });

  describe('Diia is skipped', () => {
    it.each<[string, ChannelPlanInput, { diiaEnabled: boolean }]>([
      [
        'the recipient has no tax id',
        { methodType: 'OTP', notificationType: 'MEDICATION_REQUEST_CREATED' },
        WITH_DIIA,
      ],
      [
        'the tax id is empty',
        { methodType: 'OTP', notificationType: 'MEDICATION_REQUEST_CREATED', recipientTaxId: '' },
        WITH_DIIA,
      ],
      [
        'Diia is disabled',
        { methodType: 'OTP', notificationType: 'CARE_PLAN_CREATED', recipientTaxId: TAX_ID },
        { diiaEnabled: false },
      ],
      [
        'the type is AUTH_OTP',
        { methodType: 'OTP', notificationType: 'AUTH_OTP', recipientTaxId: TAX_ID },
        WITH_DIIA,
      ],
    ])('when %s', (_, input, config) => {
      expect(planChannels(input, config)).toEqual({ deliverable: true, channels: ['VIBER', 'SMS'] });
    });
  });

  describe('OFFLINE recipient', () => {
    it.each<[NotificationType, ChannelPlan]>([
      ['MEDICATION_REQUEST_CREATED', { deliverable: true, channels: ['SLIP'] }],
      ['SERVICE_REQUEST_CREATED', { deliverable: true, channels: ['SLIP'] }],
      ['AUTH_OTP', { deliverable: false, reason: 'OFFLINE_RECIPIENT' }],
      ['MEDICATION_REQUEST_REJECTED', { deliverable: false, reason: 'OFFLINE_RECIPIENT' }],
      ['SERVICE_REQUEST_RECALLED', { deliverable: false, reason: 'OFFLINE_RECIPIENT' }],
      ['SERVICE_REQUEST_CANCELLED', { deliverable: false, reason: 'OFFLINE_RECIPIENT' }],
      ['CARE_PLAN_CREATED', { deliverable: false, reason: 'OFFLINE_RECIPIENT' }],
      ['MEDICAL_CONCLUSION_CREATED', { deliverable: false, reason: 'OFFLINE_RECIPIENT' }],
    ])('%s -> %j, never Diia even with a tax id', (notificationType, expected) => {
      expect(
        planChannels({ methodType: 'OFFLINE', notificationType, recipientTaxId: TAX_ID }, WITH_DIIA),
      ).toEqual(expected);
    });
  });

  it('returns a fresh array each time, so callers may consume the plan', () => {
    const input: ChannelPlanInput = { methodType: 'OTP', notificationType: 'AUTH_OTP' };
    const first = planChannels(input, WITH_DIIA);
    if (first.deliverable) first.channels.shift();
    expect(planChannels(input, WITH_DIIA)).toEqual({ deliverable: true, channels: ['VIBER', 'SMS'] });
  });
});
