import type { SlipKind } from './slip.types';

/** Ukrainian wording of the slip, per document kind. Kept apart from layout so it can be reviewed on its own. */
export interface SlipTexts {
  title: string;
  subtitle: string;
  numberLabel: string;
  codeHint: string;
  detailsHeading: string;
  howToUseHeading: string;
  howToUse: string[];
}

export const COMMON_TEXTS = {
  system: 'ЕЛЕКТРОННА СИСТЕМА ОХОРОНИ ЗДОРОВ’Я',
  codeLabel: 'Код підтвердження',
  patient: 'Пацієнт',
  birthDate: 'Дата народження',
  representative: 'Законний представник',
  validity: 'Термін дії',
  issuedAt: 'Дата видачі',
} as const;

export const SLIP_TEXTS: Record<SlipKind, SlipTexts> = {
  MEDICATION_REQUEST: {
    title: 'Інформаційна довідка',
    subtitle: 'до електронного рецепта',
    numberLabel: 'Номер рецепта',
    codeHint: 'Назвіть код фармацевту, коли отримуєте ліки',
    detailsHeading: 'Рецепт',
    howToUseHeading: 'Як отримати ліки',
    howToUse: [
      'Пред’явіть цю довідку в аптеці, що відпускає ліки за електронними рецептами.',
      'Фармацевт знайде рецепт за номером або штрихкодом і попросить код підтвердження.',
      'Ліки можна отримати лише протягом терміну дії рецепта.',
      'Не показуйте код підтвердження стороннім людям.',
    ],
  },
  SERVICE_REQUEST: {
    title: 'Інформаційна довідка',
    subtitle: 'до електронного направлення',
    numberLabel: 'Номер направлення',
    codeHint: 'Назвіть код працівнику закладу',
    detailsHeading: 'Направлення',
    howToUseHeading: 'Як скористатися направленням',
    howToUse: [
      'Зверніться до закладу охорони здоров’я, що надає цю послугу, і пред’явіть довідку.',
      'Працівник закладу знайде електронне направлення за номером або штрихкодом.',
      'Направлення можна використати лише протягом терміну його дії.',
    ],
  },
};

/** Row labels of the details table, in print order. */
export const PRESCRIPTION_DETAIL_LABELS = {
  medication: 'Лікарський засіб',
  dosage: 'Дозування',
  quantity: 'Кількість',
  prescriber: 'Лікар',
  facility: 'Заклад охорони здоров’я',
} as const;

export const REFERRAL_DETAIL_LABELS = {
  service: 'Послуга',
  referringDoctor: 'Лікар, що направив',
  facility: 'Заклад охорони здоров’я',
} as const;
