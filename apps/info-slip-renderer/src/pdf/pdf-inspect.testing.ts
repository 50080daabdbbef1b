/**
 * Test-only helpers that read a rendered PDF back the way a person or a scanner would: as text (poppler's
 * pdftotext), as a font list (pdffonts) and as pixels (pdftoppm). poppler-utils is a system package the
 * project's scripts install; ensureSlipTestTools() fails fast with a clear message when it is missing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SLIP_TEST_TOOLS = ['pdftotext', 'pdffonts', 'pdfinfo', 'pdftoppm', 'zbarimg'];

function hasCommand(name: string): boolean {
  try {
    execFileSync('which', [name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function ensureSlipTestTools(): void {
  const missing = SLIP_TEST_TOOLS.filter((tool) => !hasCommand(tool));
  if (missing.length) {
    throw new Error(
      `Missing ${missing.join(', ')}: the slip PDF tests read PDFs back with poppler-utils. ` +
        'Install it with `apt-get update && apt-get install -y poppler-utils`.',
    );
  }
}

/** Runs `fn` with the PDF written to a temporary directory that is removed afterwards. */
function withPdfFile<T>(pdf: Buffer, fn: (pdfPath: string, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'slip-'));
  try {
    const pdfPath = join(dir, 'slip.pdf');
    writeFileSync(pdfPath, pdf);
    return fn(pdfPath, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function pdfToText(pdf: Buffer): string {
  return withPdfFile(pdf, (path) =>
    execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', path, '-'], { encoding: 'utf8' }),
  );
}

export function pdfFonts(pdf: Buffer): string {
  return withPdfFile(pdf, (path) => execFileSync('pdffonts', [path], { encoding: 'utf8' }));
}

export function pdfInfo(pdf: Buffer, options: string[] = []): string {
  return withPdfFile(pdf, (path) => execFileSync('pdfinfo', [...options, path], { encoding: 'utf8' }));
}

/** Decodes barcodes on page 1 with zbarimg (zbar-tools), an independent reader; optional in tests. */
export function zbarDecode(pdf: Buffer, dpi: number): string {
  return withPdfFile(pdf, (path, dir) => {
    execFileSync('pdftoppm', ['-png', '-r', String(dpi), '-singlefile', path, join(dir, 'page')]);
    return execFileSync('zbarimg', ['-q', '--raw', join(dir, 'page.png')], { encoding: 'utf8' }).trim();
  });
}

export interface GrayImage {
  width: number;
  height: number;
  pixels: Buffer;
}

/** Page 1 as 8-bit gray, without anti-aliasing so bar edges are hard as on a laser printer. */
export function rasterizeGray(pdf: Buffer, dpi: number): GrayImage {
  return withPdfFile(pdf, (path, dir) => {
    const out = join(dir, 'page');
    execFileSync('pdftoppm', ['-gray', '-r', String(dpi), '-aaVector', 'no', '-singlefile', path, out]);
    return parsePgm(readFileSync(`${out}.pgm`));
  });
}

function parsePgm(bytes: Buffer): GrayImage {
  // Binary PGM: "P5", width, height, maxval, each followed by whitespace, then one byte per pixel.
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('pdftoppm did not produce a binary PGM');
  const [all, width, height] = header;
  return { width: Number(width), height: Number(height), pixels: bytes.subarray(all.length) };
}

interface Run {
  dark: boolean;
  length: number;
}

function rowRuns(image: GrayImage, row: number): Run[] {
  const runs: Run[] = [];
  for (let x = 0; x < image.width; x++) {
    const dark = image.pixels[row * image.width + x] < 128;
    const last = runs[runs.length - 1];
    if (last?.dark === dark) last.length++;
    else runs.push({ dark, length: 1 });
  }
  return runs;
}

/**
 * True when some pixel row crosses bars and spaces in the proportions of `widths` (bar first, in modules)
 * with at least `quietModules` of white on both sides: what a scanner's laser line needs. Like a real
 * decoder it compares edge-to-similar-edge distances (bar+space, space+bar), which ink spread or a
 * rasterizer's bar gain does not change, with half a module of tolerance.
 */
export function hasBarcodeRow(image: GrayImage, widths: number[], quietModules = 10): boolean {
  for (let row = 0; row < image.height; row += 2) {
    const runs = rowRuns(image, row);
    for (let start = 1; start + widths.length < runs.length; start++) {
      if (runs[start].dark && matchesAt(runs, start, widths, quietModules)) return true;
    }
  }
  return false;
}

function matchesAt(runs: Run[], start: number, widths: number[], quietModules: number): boolean {
  const lengths = runs.slice(start, start + widths.length).map((r) => r.length);
  const module = lengths.reduce((sum, l) => sum + l, 0) / widths.reduce((sum, w) => sum + w, 0);
  for (let i = 0; i + 1 < widths.length; i++) {
    const measured = (lengths[i] + lengths[i + 1]) / module;
    if (Math.abs(measured - (widths[i] + widths[i + 1])) > 0.5) return false;
  }
  const quietBefore = runs[start - 1].length >= quietModules * module;
  const quietAfter = runs[start + widths.length].length >= quietModules * module;
  return quietBefore && quietAfter;
}
