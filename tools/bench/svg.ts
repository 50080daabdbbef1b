/** A very small SVG writer: elements as nested calls, attributes and text escaped. */

export type Attributes = Record<string, string | number | undefined>;

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const formatNumber = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));

export function el(name: string, attributes: Attributes = {}, ...children: string[]): string {
  const attrs = Object.entries(attributes)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}="${typeof value === 'number' ? formatNumber(value) : escapeXml(value!)}"`)
    .join('');
  return children.length === 0 ? `<${name}${attrs}/>` : `<${name}${attrs}>${children.join('')}</${name}>`;
}

export function text(x: number, y: number, content: string, attributes: Attributes = {}): string {
  return el('text', { x, y, ...attributes }, escapeXml(content));
}

export function polyline(points: [number, number][], attributes: Attributes): string {
  return el('polyline', {
    points: points.map(([x, y]) => `${formatNumber(x)},${formatNumber(y)}`).join(' '),
    fill: 'none',
    ...attributes,
  });
}

export function svgDocument(width: number, height: number, ...children: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      'font-family': 'Helvetica, Arial, sans-serif',
      'font-size': 12,
    },
    ...children,
  )}\n`;
}

/** Logarithmic scale from a data range onto pixels. */
export function logScale(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain.map(Math.log10);
  const [r0, r1] = range;
  return (value) => r0 + ((Math.log10(value) - d0) / (d1 - d0 || 1)) * (r1 - r0);
}

export function linearScale(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  return (value) => r0 + ((value - d0) / (d1 - d0 || 1)) * (r1 - r0);
}

/** "Nice" tick values for a linear axis from 0 to `max` (about `count` of them). */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let value = 0; value <= max + step * 1e-9; value += step) ticks.push(Math.round(value * 1e6) / 1e6);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}
