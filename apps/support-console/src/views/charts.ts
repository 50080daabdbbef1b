import { html, type SafeHtml } from './html';

/** Inline SVG charts, drawn on the server: no script, nothing fetched, readable by the CSP's default-src 'none'. */

export interface Segment {
  label: string;
  value: number;
  /** A CSS class: ok, bad, warn, info, slip, none. */
  tone: string;
}

const WIDTH = 900;
const ROW = 34;
const BAR = 22;

/** One horizontal bar per row, split into segments; the total is written at its end. */
export function stackedBars(
  title: string,
  rows: { label: string; segments: Segment[] }[],
  { labelWidth: LABEL = 170 } = {},
): SafeHtml {
  const max = Math.max(1, ...rows.map((row) => row.segments.reduce((sum, s) => sum + s.value, 0)));
  const scale = (WIDTH - LABEL - 70) / max;
  const height = Math.max(1, rows.length) * ROW + 10;
  const bars = rows.map((row, index) => {
    const y = index * ROW + 8;
    let x = LABEL;
    const total = row.segments.reduce((sum, s) => sum + s.value, 0);
    const parts = row.segments
      .filter((segment) => segment.value > 0)
      .map((segment) => {
        const width = Math.max(2, segment.value * scale);
        const rect = html`<rect
          class="${segment.tone}"
          x="${x.toFixed(1)}"
          y="${y}"
          width="${width.toFixed(1)}"
          height="${BAR}"
          ><title>${row.label}: ${segment.label} — ${segment.value}</title></rect
        >`;
        x += width;
        return rect;
      });
    return html`<text class="label" x="${LABEL - 8}" y="${y + 16}" text-anchor="end">${row.label}</text
      >${parts}<text class="value" x="${(x + 6).toFixed(1)}" y="${y + 16}">${total}</text>`;
  });
  return html`<svg
    class="chart"
    role="img"
    viewBox="0 0 ${WIDTH} ${height}"
    width="${WIDTH}"
    height="${height}"
    aria-label="${title}"
  >
    <title>${title}</title>
    ${rows.length ? bars : html`<text class="label" x="8" y="24">Немає даних за цей час</text>`}
  </svg>`;
}

/** One bar per row, the value shown as `display`. */
export function bars(
  title: string,
  rows: { label: string; value: number; display: string; tone?: string }[],
  { labelWidth: LABEL = 170 } = {},
): SafeHtml {
  const max = Math.max(1e-9, ...rows.map((row) => row.value));
  const scale = (WIDTH - LABEL - 240) / max;
  const height = Math.max(1, rows.length) * ROW + 10;
  const drawn = rows.map((row, index) => {
    const y = index * ROW + 8;
    const width = Math.max(2, row.value * scale);
    return html`<text class="label" x="${LABEL - 8}" y="${y + 16}" text-anchor="end">${row.label}</text
      ><rect class="${row.tone ?? 'info'}" x="${LABEL}" y="${y}" width="${width.toFixed(1)}" height="${BAR}"
        ><title>${row.label}: ${row.display}</title></rect
      ><text class="value" x="${(LABEL + width + 6).toFixed(1)}" y="${y + 16}">${row.display}</text>`;
  });
  return html`<svg
    class="chart"
    role="img"
    viewBox="0 0 ${WIDTH} ${height}"
    width="${WIDTH}"
    height="${height}"
    aria-label="${title}"
  >
    <title>${title}</title>
    ${rows.length ? drawn : html`<text class="label" x="8" y="24">Немає даних за цей час</text>`}
  </svg>`;
}
