import type { PrescriptionSlipData, ReferralSlipData } from './slip.types';

/**
 * Realistic sample slips (fictional people) for tests and docs/examples. Names carry the letters that
 * break with a poor font: Ґ ґ, Ї ї, Є є, І і and the apostrophe.
 */
const child = {
  firstName: 'Ілля',
  lastName: 'Їжакевич-Єременко',
  secondName: 'Андрійович',
  birthDate: '2016-05-12',
};
const mother = { firstName: 'Ґалина', lastName: 'Їжакевич-Єременко', secondName: 'Юріївна' };
const adult = {
  firstName: 'Мар’яна',
  lastName: 'Григор’єва',
  secondName: 'Святославівна',
  birthDate: '1951-11-03',
};

export const PRESCRIPTION_FOR_PATIENT: PrescriptionSlipData = {
  kind: 'MEDICATION_REQUEST',
  number: '0000-K8K5-5MTE-352H',
  verificationCode: '4817',
  patient: adult,
  validFrom: '2025-03-01',
  validUntil: '2025-03-30',
  issuedAt: '2025-03-01T07:42:10Z',
  details: {
    medication: 'Метформін, таблетки 500 мг',
    dosage: 'По 1 таблетці 2 рази на добу під час їжі',
    quantity: '60 таблеток',
    prescriber: 'Ковальчук Олег Петрович, лікар загальної практики — сімейний лікар',
    facility: 'КНП «Центр первинної медико-санітарної допомоги № 2», м. Кам’янське',
  },
};

export const PRESCRIPTION_FOR_CHILD: PrescriptionSlipData = {
  kind: 'MEDICATION_REQUEST',
  number: '0000-243P-1X53-EH38',
  verificationCode: '9162',
  patient: child,
  representative: mother,
  validFrom: '2025-03-03',
  validUntil: '2025-04-01',
  issuedAt: '2025-03-03T12:05:00Z',
  details: {
    medication: 'Сальбутамол, аерозоль для інгаляцій дозований 100 мкг/дозу',
    dosage: 'По 1–2 інгаляції при задишці, не частіше ніж 4 рази на добу',
    quantity: '1 балон (200 доз)',
    prescriber: 'Ґудзь Євгенія Ігорівна, лікар-педіатр',
    facility: 'КНП «Дитяча міська поліклініка № 1», м. Дніпро',
  },
};

export const REFERRAL_FOR_PATIENT: ReferralSlipData = {
  kind: 'SERVICE_REQUEST',
  number: '01EM-TC40-CAXX-E2HE',
  patient: adult,
  validFrom: '2025-03-01',
  validUntil: '2025-05-30',
  issuedAt: '2025-03-01T07:50:00Z',
  details: {
    service: 'Консультація лікаря-ендокринолога',
    referringDoctor: 'Ковальчук Олег Петрович',
    facility: 'КНП «Центр первинної медико-санітарної допомоги № 2», м. Кам’янське',
  },
};

export const REFERRAL_FOR_CHILD: ReferralSlipData = {
  kind: 'SERVICE_REQUEST',
  number: '00EB-EB34-BMX7-9COA',
  patient: child,
  representative: mother,
  validUntil: '2025-04-02',
  issuedAt: '2025-03-03T12:10:00Z',
  details: {
    service: 'Спірометрія',
    referringDoctor: 'Ґудзь Євгенія Ігорівна',
    facility: 'КНП «Дитяча міська поліклініка № 1», м. Дніпро',
  },
};
