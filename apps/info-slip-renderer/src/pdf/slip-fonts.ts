import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';

/**
 * DejaVu TTFs shipped by the `dejavu-fonts-ttf` npm package: full Ukrainian Cyrillic (і ї є ґ, ’ and ʼ),
 * and a monospace face whose dotted zero and serifed I keep the number's 0/O and 1/I apart. Read from
 * node_modules, never from the system or the network, and embedded (subset) into every PDF.
 */
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

export type SlipFace = 'regular' | 'bold' | 'monoBold';

const FONT_FILES: Record<SlipFace, string> = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  monoBold: 'DejaVuSansMono-Bold.ttf',
};

let parsedFaces: Record<SlipFace, fontkit.Font> | undefined;

/**
 * Parsed once per process and shared by every document: re-parsing these large fonts was ~90% of the
 * render time. PDFKit accepts a fontkit font as a source and only reads it (each document keeps its
 * own subset), so sharing does not leak state between documents.
 */
export function slipFontFaces(): Record<SlipFace, fontkit.Font> {
  parsedFaces ??= {
    regular: parseFont(FONT_FILES.regular),
    bold: parseFont(FONT_FILES.bold),
    monoBold: parseFont(FONT_FILES.monoBold),
  };
  return parsedFaces;
}

function parseFont(fileName: string): fontkit.Font {
  const font = fontkit.create(readFileSync(join(FONT_DIR, fileName)));
  if (!('layout' in font)) throw new Error(`${fileName} is a font collection, expected a single font`);
  return font;
}
