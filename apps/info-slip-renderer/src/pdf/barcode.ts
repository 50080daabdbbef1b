import bwipjs from 'bwip-js';

export interface BarcodeBox {
  x: number;
  y: number;
  /** Width of the narrowest bar, in points. */
  moduleWidth: number;
  height: number;
}

/** Minimal drawing surface (a PDFKit document satisfies it), so the barcode code does not depend on PDFKit. */
export interface RectCanvas {
  rect(x: number, y: number, w: number, h: number): unknown;
  fill(color: string): unknown;
}

/**
 * Code 128 bar/space widths (in modules, starting with a bar) for `text`. bwip-js does the encoding
 * (code-set switching, check digit); we only take the widths.
 */
export function code128Widths(text: string): number[] {
  const [symbol] = bwipjs.raw('code128', text, {}) as Array<{ sbs: number[] }>;
  return symbol.sbs;
}

export function code128Width(text: string, moduleWidth: number): number {
  return code128Widths(text).reduce((sum, w) => sum + w, 0) * moduleWidth;
}

/**
 * Draws the barcode as filled vector rectangles rather than an embedded bitmap: edges stay sharp at any
 * printer resolution, which matters for scanning from a cheap printer. Returns the drawn width.
 */
export function drawCode128(canvas: RectCanvas, text: string, box: BarcodeBox): number {
  let cursor = box.x;
  code128Widths(text).forEach((modules, index) => {
    const width = modules * box.moduleWidth;
    const isBar = index % 2 === 0;
    if (isBar) canvas.rect(cursor, box.y, width, box.height);
    cursor += width;
  });
  canvas.fill('black');
  return cursor - box.x;
}
