import { code128Widths } from './barcode';
import {
  ensureSlipTestTools,
  hasBarcodeRow,
  pdfFonts,
  pdfInfo,
  pdfToText,
  rasterizeGray,
  zbarDecode,
} from './pdf-inspect.testing';
import { renderSlipPdf } from './render-slip';
import {
  PRESCRIPTION_FOR_CHILD,
  PRESCRIPTION_FOR_PATIENT,
  REFERRAL_FOR_CHILD,
  REFERRAL_FOR_PATIENT,
} from './sample-slips';
import type { SlipData } from './slip.types';

/**
 * pdftotext -layout output with line breaks and column gaps folded to single spaces, and words that
 * were wrapped after a hyphen ("медико-" / "санітарної") joined again.
 */
const flat = (text: string) => text.replace(/(\S-)[ \t]*\n\s*/g, '$1').replace(/\s+/g, ' ');

interface Expected {
  title: string;
  numberLabel: string;
  patient: string;
  representative?: string;
  birthDate: string;
  validity: string;
  issued: string;
  details: Record<string, string>;
  howTo: string;
}

// Written out by hand rather than derived from the renderer's own helpers, so a formatting bug shows.
const CASES: Array<[string, SlipData, Expected]> = [
  [
    'prescription for a patient',
    PRESCRIPTION_FOR_PATIENT,
    {
      title: 'Інформаційна довідка до електронного рецепта',
      numberLabel: 'Номер рецепта',
      patient: 'Григор’єва Мар’яна Святославівна',
      birthDate: '03.11.1951',
      validity: 'з 01.03.2025 до 30.03.2025',
      issued: 'Дата видачі: 01.03.2025',
      details: {
        'Лікарський засіб': 'Метформін, таблетки 500 мг',
        Дозування: 'По 1 таблетці 2 рази на добу під час їжі',
        Кількість: '60 таблеток',
        Лікар: 'Ковальчук Олег Петрович, лікар загальної практики — сімейний лікар',
        'Заклад охорони здоров’я': 'КНП «Центр первинної медико-санітарної допомоги № 2», м. Кам’янське',
      },
      howTo: 'Пред’явіть цю довідку в аптеці',
    },
  ],
  [
    'prescription for a child, via the representative',
    PRESCRIPTION_FOR_CHILD,
    {
      title: 'Інформаційна довідка до електронного рецепта',
      numberLabel: 'Номер рецепта',
      patient: 'Їжакевич-Єременко Ілля Андрійович',
      representative: 'Їжакевич-Єременко Ґалина Юріївна',
      birthDate: '12.05.2016',
      validity: 'з 03.03.2025 до 01.04.2025',
      issued: 'Дата видачі: 03.03.2025',
      details: {
        'Лікарський засіб': 'Сальбутамол, аерозоль для інгаляцій дозований 100 мкг/дозу',
        Дозування: 'По 1–2 інгаляції при задишці, не частіше ніж 4 рази на добу',
        Кількість: '1 балон (200 доз)',
        Лікар: 'Ґудзь Євгенія Ігорівна, лікар-педіатр',
        'Заклад охорони здоров’я': 'КНП «Дитяча міська поліклініка № 1», м. Дніпро',
      },
      howTo: 'Пред’явіть цю довідку в аптеці',
    },
  ],
  [
    'referral for a patient',
    REFERRAL_FOR_PATIENT,
    {
      title: 'Інформаційна довідка до електронного направлення',
      numberLabel: 'Номер направлення',
      patient: 'Григор’єва Мар’яна Святославівна',
      birthDate: '03.11.1951',
      validity: 'з 01.03.2025 до 30.05.2025',
      issued: 'Дата видачі: 01.03.2025',
      details: {
        Послуга: 'Консультація лікаря-ендокринолога',
        'Лікар, що направив': 'Ковальчук Олег Петрович',
        'Заклад охорони здоров’я': 'КНП «Центр первинної медико-санітарної допомоги № 2», м. Кам’янське',
      },
      howTo: 'Зверніться до закладу охорони здоров’я',
    },
  ],
  [
    'referral for a child, via the representative',
    REFERRAL_FOR_CHILD,
    {
      title: 'Інформаційна довідка до електронного направлення',
      numberLabel: 'Номер направлення',
      patient: 'Їжакевич-Єременко Ілля Андрійович',
      representative: 'Їжакевич-Єременко Ґалина Юріївна',
      birthDate: '12.05.2016',
      validity: 'до 02.04.2025',
      issued: 'Дата видачі: 03.03.2025',
      details: {
        Послуга: 'Спірометрія',
        'Лікар, що направив': 'Ґудзь Євгенія Ігорівна',
        'Заклад охорони здоров’я': 'КНП «Дитяча міська поліклініка № 1», м. Дніпро',
      },
      howTo: 'Зверніться до закладу охорони здоров’я',
    },
  ],
];

beforeAll(() => ensureSlipTestTools());

describe.each(CASES)('renderSlipPdf: %s', (_name, data, expected) => {
  let pdf: Buffer;
  let text: string;

  beforeAll(async () => {
    pdf = await renderSlipPdf(data);
    text = flat(pdfToText(pdf));
  });

  it('is a single A4 page', () => {
    const info = pdfInfo(pdf);
    expect(info).toMatch(/^Pages:\s+1$/m);
    expect(info).toMatch(/^Page size:\s+595\.28 x 841\.89 pts \(A4\)$/m);
  });

  it('has the title for its kind and the issue date', () => {
    expect(text).toContain(expected.title);
    expect(text).toContain(expected.issued);
  });

  it('prints the number, and the confirmation code only when there is one', () => {
    expect(text).toContain(`${expected.numberLabel} `);
    expect(text).toMatch(new RegExp(` ${data.number} `));
    if (data.verificationCode) {
      expect(text).toContain('Код підтвердження');
      expect(text).toMatch(new RegExp(` ${data.verificationCode} `));
    } else {
      expect(text).not.toContain('Код підтвердження');
    }
  });

  it('names the patient, and the representative as well when the slip goes to one', () => {
    expect(text).toContain(`Пацієнт ${expected.patient}`);
    expect(text).toContain(`Дата народження ${expected.birthDate}`);
    if (expected.representative) {
      expect(text).toContain(`Законний представник ${expected.representative}`);
    } else {
      expect(text).not.toContain('Законний представник');
    }
  });

  it('prints every detail with its label, and the validity as DD.MM.YYYY', () => {
    for (const [label, value] of Object.entries(expected.details)) {
      expect(text).toContain(`${label} ${value}`);
    }
    expect(text).toContain(`Термін дії ${expected.validity}`);
  });

  it('tells the holder how to use it', () => {
    expect(text).toContain(expected.howTo);
  });

  it('embeds subset DejaVu fonts with Unicode maps and references no other font', () => {
    const fontRows = pdfFonts(pdf).split('\n').slice(2).filter(Boolean);
    expect(fontRows.length).toBeGreaterThan(0);
    for (const row of fontRows) {
      // name type encoding emb sub uni object-id
      expect(row).toMatch(/^[A-Z]{6}\+DejaVuSans\S* .* yes\s+yes\s+yes\s+\d+\s+\d+$/);
    }
  });

  it('carries the number as a Code 128 barcode with quiet zones, on a 300 dpi scan line', () => {
    const page = rasterizeGray(pdf, 300);
    expect(hasBarcodeRow(page, code128Widths(data.number))).toBe(true);
    // Control: the same scan does not accept another number's pattern.
    expect(hasBarcodeRow(page, code128Widths('0000-0000-0000-0000'))).toBe(false);
  });
});

describe('renderSlipPdf: Ukrainian text', () => {
  beforeAll(() => ensureSlipTestTools());

  it('keeps і ї є ґ and the apostrophe intact in names', async () => {
    const text = pdfToText(await renderSlipPdf(PRESCRIPTION_FOR_CHILD));
    for (const word of ['Ґалина', 'Їжакевич-Єременко', 'Ілля', 'Ґудзь', 'Євгенія', 'Ігорівна']) {
      expect(text).toContain(word);
    }
    const adultText = pdfToText(await renderSlipPdf(PRESCRIPTION_FOR_PATIENT));
    expect(adultText).toContain('Мар’яна');
    expect(adultText).toContain('Григор’єва');
  });
});

describe('renderSlipPdf: determinism', () => {
  it('gives byte-identical PDFs for equal data, whatever was rendered in between', async () => {
    const first = await renderSlipPdf(PRESCRIPTION_FOR_CHILD);
    await renderSlipPdf(REFERRAL_FOR_PATIENT);
    const again = await renderSlipPdf(structuredClone(PRESCRIPTION_FOR_CHILD));
    expect(again.equals(first)).toBe(true);
  });

  it('takes the PDF dates and file ID from issuedAt', async () => {
    const pdf = await renderSlipPdf(PRESCRIPTION_FOR_CHILD);
    const later = await renderSlipPdf({ ...PRESCRIPTION_FOR_CHILD, issuedAt: '2025-03-03T12:05:01Z' });
    const info = pdfInfo(pdf, ['-isodates']);
    expect(info).toMatch(/^CreationDate:\s+2025-03-03T12:05:00Z$/m);
    expect(info).toMatch(/^ModDate:\s+2025-03-03T12:05:00Z$/m);
    const fileId = (bytes: Buffer) => /\/ID \[<([0-9a-f]+)>/.exec(bytes.toString('latin1'))?.[1];
    expect(fileId(pdf)).toMatch(/^[0-9a-f]{32}$/);
    expect(fileId(later)).not.toBe(fileId(pdf));
  });
});

describe('renderSlipPdf: partial and unusual data', () => {
  beforeAll(() => ensureSlipTestTools());

  it('prints only what it has', async () => {
    const text = flat(
      pdfToText(
        await renderSlipPdf({
          kind: 'SERVICE_REQUEST',
          number: '1111-2222-3333-4444',
          patient: { firstName: 'Ілля', lastName: 'Бойко' },
          issuedAt: '2025-03-03T10:00:00Z',
          details: { service: 'Рентгенографія органів грудної клітки' },
        }),
      ),
    );
    expect(text).toContain('Пацієнт Бойко Ілля');
    expect(text).toContain('Послуга Рентгенографія органів грудної клітки');
    for (const absent of [
      'Дата народження',
      'Термін дії',
      'Лікар',
      'Код підтвердження',
      'Законний представник',
    ]) {
      expect(text).not.toContain(absent);
    }
  });

  it('shows dates given as instants as the calendar date in Kyiv', async () => {
    const text = flat(
      pdfToText(
        await renderSlipPdf({
          ...PRESCRIPTION_FOR_PATIENT,
          validFrom: '2025-02-28T22:30:00Z', // 00:30 on 1 March in Kyiv
          validUntil: '2025-03-30',
          issuedAt: '2025-02-28T22:30:00Z',
        }),
      ),
    );
    expect(text).toContain('Термін дії з 01.03.2025 до 30.03.2025');
    expect(text).toContain('Дата видачі: 01.03.2025');
  });

  it('lets very long details flow onto further pages instead of cutting them', async () => {
    const longText = 'Дуже довгий опис призначення. '.repeat(16).trim();
    const pdf = await renderSlipPdf({
      ...PRESCRIPTION_FOR_PATIENT,
      details: {
        ...PRESCRIPTION_FOR_PATIENT.details,
        medication: longText,
        dosage: longText,
        quantity: longText,
      },
    });
    expect(Number(/^Pages:\s+(\d+)$/m.exec(pdfInfo(pdf))?.[1])).toBeGreaterThan(1);
    const text = flat(pdfToText(pdf));
    expect(text.split('Дуже довгий опис призначення.').length - 1).toBe(48);
    expect(text).toContain('Як отримати ліки');
  });

  it('prints and encodes a number typed with Cyrillic look-alikes in Latin', async () => {
    const pdf = await renderSlipPdf({ ...REFERRAL_FOR_PATIENT, number: 'AX65-4654-TІВ1-ТВТ1' });
    expect(flat(pdfToText(pdf))).toContain(' AX65-4654-TIB1-TBT1 ');
    expect(hasBarcodeRow(rasterizeGray(pdf, 300), code128Widths('AX65-4654-TIB1-TBT1'))).toBe(true);
  });

  it('rejects an issuedAt that is not a date', async () => {
    await expect(renderSlipPdf({ ...REFERRAL_FOR_PATIENT, issuedAt: 'yesterday' })).rejects.toThrow(
      'Slip field issuedAt is not a valid date',
    );
  });
});

describe('renderSlipPdf: scanning', () => {
  // zbarimg (zbar-tools, installed by scripts/test.sh) is a barcode reader independent of the one we print with.
  it('decodes to the number with zbarimg at 150 dpi', async () => {
    for (const data of [PRESCRIPTION_FOR_CHILD, REFERRAL_FOR_CHILD]) {
      expect(zbarDecode(await renderSlipPdf(data), 150)).toBe(data.number);
    }
  });
});
