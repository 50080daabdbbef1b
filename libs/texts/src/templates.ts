/**
 * Ukrainian texts for every notification type and recipient role, for each channel.
 *
 * Rules (architecture.md §6, research/domain.md §3, §10):
 * - eHealth's own SMS wording is kept where it exists («Ваш рецепт: … Код підтвердження: …»,
 *   «Код авторизації дій в системі eHealth: …», «Ваше направлення під номером … було відкликано»).
 * - No diagnosis and no drug name, ever: the texts carry only the document number (and the code).
 * - A representative reads whose document it is as «на імʼя Олена К.»: this construction takes the
 *   name in the nominative, so it stays correct Ukrainian without declining names we know nothing about.
 * - SMS: the richest wording that fits ONE UCS-2 segment (70) wins; compact wordings follow as fallbacks.
 * - Viber and Diia repeat the same lead sentence, then add validity and what to do next.
 */
import { truncateText, TEXT_LIMITS } from './limits';
import {
  assertKnownTypeAndRole,
  FieldNeeds,
  MessageInput,
  NotificationType,
  TemplateFields,
  validateInput,
} from './message-input';
import { countSmsSegments } from './sms-segments';

export interface RenderedMessage {
  sms: string;
  viber: string;
  diia: { title: string; shortText: string; fullText: string };
}

/** The wording of one type for one recipient. */
interface Wording {
  /** The sentence that must reach the reader: number and, where announced, the code. No final period. */
  lead: string;
  /** Shorter SMS wordings, tried in order when the lead does not fit one segment. */
  compact: string[];
  /** «Дійсний до 31.12.2025», when the document has a validity date worth telling. */
  validity?: string;
  /** What to do next (Viber / Diia only). */
  advice: string;
  /** Diia title, before the patient's name is added for a representative. */
  title: string;
}

interface TypeTemplate {
  needs: FieldNeeds;
  wording(fields: TemplateFields): Wording;
}

const REPRESENTATIVE_NOTE =
  'Ви отримали це повідомлення як один із батьків або законний представник пацієнта.';
const ASK_DOCTOR = 'З питаннями зверніться до лікаря.';

/** Validity agrees in gender with the document: рецепт / план / висновок (m), направлення (n). */
function validity(fields: TemplateFields, gender: 'm' | 'n'): string | undefined {
  if (!fields.validUntil) return undefined;
  return `${gender === 'n' ? 'Дійсне' : 'Дійсний'} до ${fields.validUntil}`;
}

const TEMPLATES: Record<NotificationType, TypeTemplate> = {
  AUTH_OTP: {
    needs: { number: false, code: true },
    wording: ({ code, patient }) => ({
      lead: patient
        ? `Код авторизації дій в системі eHealth: ${code} (пацієнт: ${patient})`
        : `Код авторизації дій в системі eHealth: ${code}`,
      compact: patient ? [`Код авторизації eHealth: ${code} (пацієнт: ${patient})`] : [],
      advice: 'Не повідомляйте код стороннім особам.',
      title: 'Код авторизації eHealth',
    }),
  },

  MEDICATION_REQUEST_CREATED: {
    needs: { number: true, code: true },
    wording: (fields) => {
      const { number, code, patient } = fields;
      return {
        lead: patient
          ? `Рецепт на імʼя ${patient}: ${number}. Код підтвердження: ${code}`
          : `Ваш рецепт: ${number}. Код підтвердження: ${code}`,
        compact: patient
          ? [
              `Рецепт на імʼя ${patient}: ${number}, код ${code}`,
              `Рецепт (${patient}): ${number}, код ${code}`,
            ]
          : [`Рецепт: ${number}, код ${code}`],
        validity: validity(fields, 'm'),
        advice: 'Щоб отримати ліки, назвіть номер рецепта і код підтвердження фармацевту в аптеці.',
        title: 'Новий е-рецепт',
      };
    },
  },

  MEDICATION_REQUEST_REJECTED: {
    needs: { number: true, code: false },
    wording: ({ number, patient }) => ({
      lead: patient ? `Відкликано рецепт на імʼя ${patient}: ${number}` : `Відкликано рецепт: ${number}`,
      compact: patient ? [`Відкликано рецепт (${patient}): ${number}`] : [],
      advice: `Ліки за цим рецептом більше не відпускаються. ${ASK_DOCTOR}`,
      title: 'Е-рецепт відкликано',
    }),
  },

  SERVICE_REQUEST_CREATED: {
    needs: { number: true, code: false },
    wording: (fields) => {
      const { number, patient } = fields;
      return {
        lead: patient ? `Направлення на імʼя ${patient}: ${number}` : `Ваше направлення: ${number}`,
        compact: patient ? [`Направлення (${patient}): ${number}`] : [],
        validity: validity(fields, 'n'),
        advice: 'Назвіть номер направлення в закладі, де отримуватимете послугу.',
        title: 'Нове е-направлення',
      };
    },
  },

  SERVICE_REQUEST_RECALLED: {
    needs: { number: true, code: false },
    wording: ({ number, patient }) => ({
      lead: patient
        ? `Відкликано направлення на імʼя ${patient}: ${number}`
        : `Ваше направлення під номером ${number} було відкликано`,
      compact: patient
        ? [`Відкликано направлення (${patient}): ${number}`]
        : [`Відкликано направлення: ${number}`],
      advice: `Це направлення більше не дійсне. ${ASK_DOCTOR}`,
      title: 'Е-направлення відкликано',
    }),
  },

  SERVICE_REQUEST_CANCELLED: {
    needs: { number: true, code: false },
    wording: ({ number, patient }) => ({
      lead: patient
        ? `Відмінено направлення на імʼя ${patient}: ${number}`
        : `Ваше направлення під номером ${number} було відмінено`,
      compact: patient
        ? [`Відмінено направлення (${patient}): ${number}`]
        : [`Відмінено направлення: ${number}`],
      advice: `Це направлення більше не дійсне. ${ASK_DOCTOR}`,
      title: 'Е-направлення відмінено',
    }),
  },

  CARE_PLAN_CREATED: {
    needs: { number: true, code: false },
    wording: (fields) => {
      const { number, patient } = fields;
      return {
        lead: patient ? `План лікування на імʼя ${patient}: ${number}` : `Ваш план лікування: ${number}`,
        compact: patient ? [`План лікування (${patient}): ${number}`] : [],
        validity: validity(fields, 'm'),
        advice: 'Деталі плану лікування уточнюйте у лікаря.',
        title: 'Новий план лікування',
      };
    },
  },

  MEDICAL_CONCLUSION_CREATED: {
    needs: { number: true, code: false },
    wording: (fields) => {
      const { number, patient } = fields;
      return {
        lead: patient
          ? `Медичний висновок на імʼя ${patient}: ${number}`
          : `Ваш медичний висновок: ${number}`,
        compact: patient ? [`Медичний висновок (${patient}): ${number}`] : [],
        validity: validity(fields, 'm'),
        advice: 'Деталі висновку уточнюйте у лікаря.',
        title: 'Новий медичний висновок',
      };
    },
  },
};

/** Fields each type requires; lets callers check a payload before publishing a delivery command. */
export function requiredFields(type: NotificationType): Readonly<FieldNeeds> {
  return TEMPLATES[type].needs;
}

export function renderMessage(input: MessageInput): RenderedMessage {
  assertKnownTypeAndRole(input);
  const template = TEMPLATES[input.type];
  const fields = validateInput(input, template.needs);
  const wording = template.wording(fields);
  const fullText = buildFullText(wording, fields.patient !== undefined);

  return {
    sms: chooseSmsText(smsCandidates(wording)),
    viber: truncateText(fullText, TEXT_LIMITS.VIBER),
    diia: {
      title: truncateText(
        fields.patient ? `${wording.title}: ${fields.patient}` : wording.title,
        TEXT_LIMITS.DIIA_TITLE,
      ),
      shortText: truncateText(withValidity(wording), TEXT_LIMITS.DIIA_SHORT_TEXT),
      fullText: truncateText(fullText, TEXT_LIMITS.DIIA_FULL_TEXT),
    },
  };
}

/** «Ваш рецепт: … Код підтвердження: 1234. Дійсний до 31.12.2025.» */
function withValidity(wording: Wording): string {
  return wording.validity ? `${wording.lead}. ${wording.validity}.` : `${wording.lead}.`;
}

/** One thought per line: lead (+ validity), advice, and for a representative why they get it. */
function buildFullText(wording: Wording, forRepresentative: boolean): string {
  const lines = [withValidity(wording), wording.advice];
  if (forRepresentative) lines.push(REPRESENTATIVE_NOTE);
  return lines.join('\n');
}

/** Richest first: lead with validity, the lead alone, then the compact wordings. SMS has no final period. */
function smsCandidates(wording: Wording): string[] {
  const withDate = wording.validity ? [`${wording.lead}. ${wording.validity}`] : [];
  return [...withDate, wording.lead, ...wording.compact];
}

/** The first candidate that is one segment; if none is, the one with the fewest segments (earliest on ties). */
function chooseSmsText(candidates: string[]): string {
  let best = candidates[0];
  let bestSegments = countSmsSegments(best).segments;
  for (const candidate of candidates.slice(1)) {
    if (bestSegments <= 1) break;
    const segments = countSmsSegments(candidate).segments;
    if (segments < bestSegments) {
      best = candidate;
      bestSegments = segments;
    }
  }
  return best;
}
