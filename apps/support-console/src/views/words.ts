/**
 * The pipeline's codes in words support can repeat to the caller. An unknown code is shown as itself, so a
 * new reason is never hidden, only not yet translated.
 */

export const TYPE_WORDS: Record<string, string> = {
  AUTH_OTP: 'Код для входу чи підтвердження дії',
  MEDICATION_REQUEST_CREATED: 'Електронний рецепт виписано',
  MEDICATION_REQUEST_REJECTED: 'Електронний рецепт відкликано',
  SERVICE_REQUEST_CREATED: 'Електронне направлення створено',
  SERVICE_REQUEST_RECALLED: 'Направлення відкликано',
  SERVICE_REQUEST_CANCELLED: 'Направлення скасовано',
  CARE_PLAN_CREATED: 'План лікування створено',
  MEDICAL_CONCLUSION_CREATED: 'Медичний висновок створено',
};

export const CHANNEL_WORDS: Record<string, string> = {
  DIIA: 'Дія',
  VIBER: 'Viber',
  SMS: 'SMS',
  SLIP: 'Довідка',
  NONE: 'Без каналу',
  ALL: 'Усі канали',
};

/** "Надіслано …": у Дію, у Viber, SMS-повідомленням. */
export const CHANNEL_BY: Record<string, string> = {
  DIIA: 'у застосунок Дія',
  VIBER: 'у Viber',
  SMS: 'SMS-повідомленням',
  SLIP: 'інформаційною довідкою',
};

export const STATUS_WORDS: Record<string, string> = {
  RESOLVED: 'Отримувача визначено',
  SENT: 'Надіслано, чекаємо підтвердження',
  DELIVERED: 'Доставлено',
  FALLBACK: 'Перехід на інший канал',
  FAILED: 'Не доставлено',
  EXPIRED: 'Строк дії минув',
  SLIP_READY: 'Довідка готова до друку',
  SLIP_PRINTED: 'Довідку надруковано',
  SKIPPED: 'Не надсилалося',
  REJECTED: 'Подію відхилено',
};

export const REASON_WORDS: Record<string, string> = {
  NOT_VIBER_USER: 'цей номер не зареєстрований у Viber',
  USER_BLOCKED: 'отримувач заблокував повідомлення від eHealth у Viber',
  NO_SUITABLE_DEVICE: 'на телефоні немає версії Viber, яка може прийняти повідомлення',
  UNDELIVERED: 'оператор повідомив, що повідомлення не доставлено (телефон вимкнений або поза зоною)',
  EXPIRED: 'повідомлення не вдалося доставити, поки воно було чинним (телефон довго був недоступний)',
  NO_REPORT_IN_TIME: 'підтвердження доставки не надійшло вчасно',
  PROVIDER_UNAVAILABLE: 'сервіс розсилки тимчасово не працював',
  CODE_EXPIRED: 'код перестав діяти раніше, ніж його вдалося доставити',
  DIIA_NOT_FOUND: 'отримувач не користується застосунком Дія',
  INVALID_NUMBER: 'номер телефону в профілі недійсний',
  STOP_LIST: 'номер у стоп-списку оператора (отримувач відмовився від розсилок)',
  PROVIDER_REJECTED: 'сервіс розсилки відхилив повідомлення',
  NO_ADDRESS: 'в отримувача немає адреси для цього каналу',
  MALFORMED_COMMAND: 'внутрішня помилка системи (пошкоджений запис) — передайте ID події розробникам',
  UNKNOWN_PERSON: 'даних про пацієнта немає в системі (профіль не надійшов вчасно)',
  PREPERSON: 'пацієнт ще не ідентифікований (тимчасовий запис) — таким сповіщення не надсилаються',
  NOTIFICATIONS_DISABLED: 'для цієї медичної програми сповіщення вимкнено',
  DUPLICATE_ENCOUNTER: 'за цим самим прийомом сповіщення про направлення вже надсилалося',
  NO_AUTH_METHOD: 'ні в пацієнта, ні в його представників немає способу, яким можна повідомити',
  OFFLINE_RECIPIENT:
    'отримувач автентифікується за документами, а для цього типу сповіщень довідка не друкується',
  INVALID_EVENT: 'подія надійшла з помилками в даних — зверніться до системи, яка її створила',
};

export const METHOD_WORDS: Record<string, string> = {
  OTP: 'телефон (SMS-код)',
  OFFLINE: 'за документами, без телефону',
  THIRD_PERSON: 'через представника',
  NA: 'не застосовується',
};

export const WHY_WORDS: Record<string, string> = {
  INFORM_WITH: 'обрано: цей спосіб указала система, що створила подію',
  FIRST_IN_DEFAULT_ORDER: 'обрано: перший придатний спосіб за правилами ЕСОЗ',
  NOT_A_METHOD_OF_SUBJECT: 'запитаний спосіб не належить пацієнтові',
  NA_NEVER_USED: 'спосіб «не застосовується» ніколи не використовується',
  INACTIVE: 'спосіб неактивний',
  ENDED: 'строк дії способу завершився',
  SUBJECT_UNDER_14: 'пацієнтові менше 14 років — повідомляємо лише представника',
  OTP_WITHOUT_PHONE: 'у способі не вказано номер телефону',
  CONFIDANT_UNKNOWN: 'даних про представника немає в системі',
  CONFIDANT_PREPERSON: 'представник не ідентифікований',
  CONFIDANT_UNDER_AGE: 'представник неповнолітній',
  NO_RELATIONSHIP: 'зв’язок із представником не зареєстровано в профілі пацієнта',
  RELATIONSHIP_EXPIRED: 'строк дії документа про представництво минув',
  RELATIONSHIP_REJECTED: 'документ про представництво відхилено',
  RELATIONSHIP_NOT_VERIFIED: 'документ про представництво ще не перевірено',
  CONFIDANT_HAS_NO_OWN_METHOD: 'у представника немає власного телефону чи способу «за документами»',
  LOWER_PRIORITY: 'придатний, але за правилами ЕСОЗ першим іде інший спосіб',
};

export const DELIVERY_WORDS: Record<string, string> = {
  PENDING: 'чекає відправлення',
  SENT: 'надіслано, чекаємо підтвердження',
  DELIVERED: 'доставлено',
  FELL_BACK: 'не вдалося — перейшли до наступного каналу',
  FAILED: 'не доставлено',
  EXPIRED: 'строк минув',
};

export const QUERY_KIND_WORDS: Record<string, string> = {
  PHONE: 'за телефоном',
  NUMBER: 'за номером рецепта чи направлення',
  ID: 'за ID події чи особи',
};

const lookup = (dictionary: Record<string, string>, code: string | null | undefined): string =>
  code ? (dictionary[code] ?? code) : '';

export const typeWords = (code?: string | null) => lookup(TYPE_WORDS, code) || 'Сповіщення';
export const channelWords = (code?: string | null) => lookup(CHANNEL_WORDS, code);
export const statusWords = (code?: string | null) => lookup(STATUS_WORDS, code) || 'Ще обробляється';
export const methodWords = (code?: string | null) => lookup(METHOD_WORDS, code);
export const whyWords = (code?: string | null) => lookup(WHY_WORDS, code);
export const deliveryWords = (code?: string | null) => lookup(DELIVERY_WORDS, code);
export const reasonWords = (code?: string | null): string =>
  !code ? '' : (REASON_WORDS[code] ?? `інша причина (код ${code})`);

/** A relationship alias is free text typed in the patient's profile: shown only when it holds no number. */
export function safeAlias(alias: string | undefined): string | undefined {
  if (!alias) return undefined;
  const digits = alias.replace(/\D/g, '');
  return digits.length > 3 || alias.length > 40 ? undefined : alias;
}

/** Reasons in a few words, for chart labels. */
export const SHORT_REASON_WORDS: Record<string, string> = {
  NOT_VIBER_USER: 'номер не у Viber',
  USER_BLOCKED: 'Viber заблоковано',
  NO_SUITABLE_DEVICE: 'немає придатного Viber',
  UNDELIVERED: 'оператор не доставив',
  EXPIRED: 'не доставлено вчасно',
  NO_REPORT_IN_TIME: 'немає звіту вчасно',
  PROVIDER_UNAVAILABLE: 'сервіс недоступний',
  DIIA_NOT_FOUND: 'немає Дії',
  INVALID_NUMBER: 'недійсний номер',
  STOP_LIST: 'стоп-список',
  PROVIDER_REJECTED: 'сервіс відхилив',
  NO_ADDRESS: 'немає адреси',
};
export const shortReasonWords = (code: string) => SHORT_REASON_WORDS[code] ?? code;
