import PDFDocument from 'pdfkit';
import { code128Widths, drawCode128 } from './barcode';
import {
  formatSlipDate,
  fullName,
  normalizeDocumentNumber,
  parseInstant,
  printableValue,
  validityText,
} from './slip-format';
import { slipFontFaces, type SlipFace } from './slip-fonts';
import {
  COMMON_TEXTS,
  PRESCRIPTION_DETAIL_LABELS,
  REFERRAL_DETAIL_LABELS,
  SLIP_TEXTS,
  type SlipTexts,
} from './slip-texts';
import type { SlipData } from './slip.types';

type Doc = PDFKit.PDFDocument;
type Row = readonly [label: string, value: string | undefined];
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

// A4 in points; generous margins so a cheap printer's unprintable edge never clips anything.
const PAGE_MARGIN = 48;
const CONTENT_WIDTH = 595.28 - 2 * PAGE_MARGIN;
const LEFT = PAGE_MARGIN;
const GAP = 12;
const LABEL_WIDTH = 180;

const SIZE = { small: 10.5, label: 12, value: 14, heading: 15, title: 26, subtitle: 18 } as const;
const NUMBER_MAX_SIZE = 26;
const CODE_MAX_SIZE = 46;
const CODE_BOX_WIDTH = 178;
// 0.4 mm bars: comfortably above the ~0.25 mm that a 300 dpi office printer and handheld scanners need.
const BARCODE_MODULE = 1.13;
const BARCODE_HEIGHT = 46;
const BOX_PADDING = 16;

/**
 * Renders the information slip ("інформаційна довідка") as a one-page A4 PDF in Ukrainian.
 * Deterministic: the PDF's dates and file ID come from `data.issuedAt`, so equal data gives equal bytes.
 */
export async function renderSlipPdf(data: SlipData): Promise<Buffer> {
  const issuedAt = parseInstant(data.issuedAt, 'issuedAt');
  normalizeDocumentNumber(data.number); // fail before any drawing on a number no barcode can carry
  const texts = SLIP_TEXTS[data.kind];
  const doc = createDocument(texts, issuedAt);
  const pdf = collectBytes(doc);
  drawSlip(doc, data, texts);
  doc.end();
  return pdf;
}

function createDocument(texts: SlipTexts, issuedAt: Date): Doc {
  const faces = slipFontFaces();
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE_MARGIN,
    // Our embedded face as the default, so PDFKit never references its non-embedded Helvetica.
    font: asFontSource(faces.regular),
    lang: 'uk-UA',
    displayTitle: true,
    info: {
      Title: `${texts.title} ${texts.subtitle}`,
      Creator: 'esoz-notify info-slip-renderer',
      Producer: 'esoz-notify',
      CreationDate: issuedAt,
      ModDate: issuedAt,
    },
  });
  for (const face of Object.keys(faces) as SlipFace[]) doc.registerFont(face, asFontSource(faces[face]));
  return doc;
}

// @types/pdfkit lists only paths and bytes, but PDFKit also takes a parsed fontkit font (it checks for
// `layout`); passing the shared parsed font avoids re-parsing it for every document.
function asFontSource(font: object): string {
  return font as unknown as string;
}

function collectBytes(doc: Doc): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

function drawSlip(doc: Doc, data: SlipData, texts: SlipTexts): void {
  let y = drawHeader(doc, PAGE_MARGIN, texts, formatSlipDate(data.issuedAt, 'issuedAt'));
  y = drawIdentifiers(doc, y + 18, data, texts);
  y = drawRows(doc, y + 22, personRows(data));
  y = drawSectionHeading(doc, y + 14, texts.detailsHeading);
  y = drawRows(doc, y + 8, detailRows(data));
  drawHowToUse(doc, y + 16, texts);
}

function drawHeader(doc: Doc, y: number, texts: SlipTexts, issuedOn: string): number {
  doc.font('regular').fontSize(SIZE.small);
  doc.text(COMMON_TEXTS.system, LEFT, y + 2, { characterSpacing: 0.8, lineBreak: false });
  doc.font('bold').fontSize(SIZE.label);
  doc.text(`${COMMON_TEXTS.issuedAt}: ${issuedOn}`, LEFT, y, { width: CONTENT_WIDTH, align: 'right' });
  doc
    .font('bold')
    .fontSize(SIZE.title)
    .text(texts.title, LEFT, y + 24, { lineBreak: false });
  doc
    .font('regular')
    .fontSize(SIZE.subtitle)
    .text(texts.subtitle, LEFT, y + 56, { lineBreak: false });
  const ruleY = y + 88;
  doc
    .moveTo(LEFT, ruleY)
    .lineTo(LEFT + CONTENT_WIDTH, ruleY)
    .lineWidth(2)
    .stroke('black');
  return ruleY;
}

/** The number with its barcode and, beside it, the confirmation code: what the pharmacist needs. */
function drawIdentifiers(doc: Doc, y: number, data: SlipData, texts: SlipTexts): number {
  const code = data.verificationCode?.trim();
  const numberWidth = code ? CONTENT_WIDTH - CODE_BOX_WIDTH - GAP : CONTENT_WIDTH;
  const height = drawNumberBox(
    doc,
    { x: LEFT, y, width: numberWidth },
    normalizeDocumentNumber(data.number),
    texts.numberLabel,
  );
  if (code) {
    const codeBox = { x: LEFT + numberWidth + GAP, y, width: CODE_BOX_WIDTH, height };
    drawCodeBox(doc, codeBox, code, texts.codeHint);
  }
  return y + height;
}

function drawNumberBox(doc: Doc, at: Omit<Box, 'height'>, number: string, label: string): number {
  const innerX = at.x + BOX_PADDING;
  const innerWidth = at.width - 2 * BOX_PADDING;
  let y = at.y + BOX_PADDING - 2;
  doc.font('regular').fontSize(SIZE.label).text(label, innerX, y, { lineBreak: false });
  y += 20;
  const numberSize = fitFontSize(doc, 'monoBold', number, innerWidth, NUMBER_MAX_SIZE);
  doc.font('monoBold').fontSize(numberSize).text(number, innerX, y, { lineBreak: false });
  y += numberSize * 1.25;
  // The quiet zone a scanner needs (10 modules) is the box padding: 13+ modules of white to the border.
  const modules = code128Widths(number).reduce((sum, w) => sum + w, 0);
  const moduleWidth = Math.min(BARCODE_MODULE, innerWidth / modules);
  drawCode128(doc, number, { x: innerX, y, moduleWidth, height: BARCODE_HEIGHT });
  const height = y + BARCODE_HEIGHT + BOX_PADDING - at.y;
  doc.lineWidth(1.5).roundedRect(at.x, at.y, at.width, height, 6).stroke('black');
  return height;
}

/** Heavier frame and the largest type on the page: the code is what the patient is asked for. */
function drawCodeBox(doc: Doc, box: Box, code: string, hint: string): void {
  doc.lineWidth(3).roundedRect(box.x, box.y, box.width, box.height, 6).stroke('black');
  const innerX = box.x + 10;
  const innerWidth = box.width - 20;
  doc.font('bold').fontSize(SIZE.label);
  doc.text(COMMON_TEXTS.codeLabel, innerX, box.y + BOX_PADDING - 2, { width: innerWidth, align: 'center' });
  const codeSize = fitFontSize(doc, 'monoBold', code, innerWidth - 8, CODE_MAX_SIZE);
  doc.font('monoBold').fontSize(codeSize);
  doc.text(code, innerX, box.y + 36, { width: innerWidth, align: 'center', lineBreak: false });
  doc.font('regular').fontSize(SIZE.small);
  const hintHeight = doc.heightOfString(hint, { width: innerWidth, align: 'center' });
  doc.text(hint, innerX, box.y + box.height - BOX_PADDING - hintHeight + 2, {
    width: innerWidth,
    align: 'center',
  });
}

/** Largest size up to `max` at which `text` fits on one line of `width`. */
function fitFontSize(doc: Doc, font: SlipFace, text: string, width: number, max: number): number {
  const widthAtOne = doc.font(font).fontSize(1).widthOfString(text);
  return Math.min(max, Math.floor((width / widthAtOne) * 10) / 10);
}

function personRows(data: SlipData): Row[] {
  const { patient, representative } = data;
  return [
    [COMMON_TEXTS.patient, fullName(patient)],
    [COMMON_TEXTS.birthDate, patient.birthDate && formatSlipDate(patient.birthDate, 'patient.birthDate')],
    [COMMON_TEXTS.representative, representative && fullName(representative)],
  ];
}

function detailRows(data: SlipData): Row[] {
  const validity: Row = [COMMON_TEXTS.validity, validityText(data.validFrom, data.validUntil)];
  if (data.kind === 'MEDICATION_REQUEST') {
    const labels = PRESCRIPTION_DETAIL_LABELS;
    const d = data.details;
    return [
      [labels.medication, d.medication],
      [labels.dosage, d.dosage],
      [labels.quantity, d.quantity],
      validity,
      [labels.prescriber, d.prescriber],
      [labels.facility, d.facility],
    ];
  }
  const labels = REFERRAL_DETAIL_LABELS;
  const d = data.details;
  return [
    [labels.service, d.service],
    validity,
    [labels.referringDoctor, d.referringDoctor],
    [labels.facility, d.facility],
  ];
}

function drawSectionHeading(doc: Doc, y: number, heading: string): number {
  y = ensureSpace(doc, y, 60);
  doc.font('bold').fontSize(SIZE.heading).text(heading, LEFT, y, { lineBreak: false });
  const ruleY = y + SIZE.heading * 1.35;
  doc
    .moveTo(LEFT, ruleY)
    .lineTo(LEFT + CONTENT_WIDTH, ruleY)
    .lineWidth(0.8)
    .stroke('black');
  return ruleY;
}

/** Label / value table; rows without a value are left out (the slip prints what it has). */
function drawRows(doc: Doc, y: number, rows: Row[]): number {
  const valueX = LEFT + LABEL_WIDTH + GAP;
  const valueWidth = CONTENT_WIDTH - LABEL_WIDTH - GAP;
  for (const [label, rawValue] of rows) {
    const value = printableValue(rawValue);
    if (!value) continue;
    doc.font('bold').fontSize(SIZE.value);
    const valueHeight = doc.heightOfString(value, { width: valueWidth });
    y = ensureSpace(doc, y, valueHeight);
    doc.text(value, valueX, y, { width: valueWidth });
    doc.font('regular').fontSize(SIZE.label);
    const labelHeight = doc.heightOfString(label, { width: LABEL_WIDTH });
    doc.text(label, LEFT, y + 1.5, { width: LABEL_WIDTH });
    y += Math.max(valueHeight, labelHeight) + 8;
  }
  return y;
}

function drawHowToUse(doc: Doc, y: number, texts: SlipTexts): number {
  const innerX = LEFT + BOX_PADDING;
  const bulletIndent = 14;
  const textWidth = CONTENT_WIDTH - 2 * BOX_PADDING - bulletIndent;
  doc.font('regular').fontSize(SIZE.label);
  const bulletHeights = texts.howToUse.map((line) => doc.heightOfString(line, { width: textWidth }) + 4);
  const height = 2 * BOX_PADDING + 22 + bulletHeights.reduce((sum, h) => sum + h, 0);
  y = ensureSpace(doc, y, height);
  doc.lineWidth(1).roundedRect(LEFT, y, CONTENT_WIDTH, height, 6).stroke('black');
  doc
    .font('bold')
    .fontSize(SIZE.heading - 1)
    .text(texts.howToUseHeading, innerX, y + BOX_PADDING);
  let lineY = y + BOX_PADDING + 24;
  doc.font('regular').fontSize(SIZE.label);
  texts.howToUse.forEach((line, i) => {
    doc.text('•', innerX, lineY, { lineBreak: false });
    doc.text(line, innerX + bulletIndent, lineY, { width: textWidth });
    lineY += bulletHeights[i];
  });
  return y + height;
}

/** Starts a new page when `needed` points do not fit (only very long detail texts get there). */
function ensureSpace(doc: Doc, y: number, needed: number): number {
  const bottom = doc.page.height - doc.page.margins.bottom;
  if (y + needed <= bottom) return y;
  doc.addPage();
  return doc.page.margins.top;
}
