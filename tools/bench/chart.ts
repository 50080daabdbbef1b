import { el, linearScale, logScale, niceTicks, polyline, svgDocument, text } from './svg';

/**
 * The bench's chart, against offered load (log scale, one tick per ladder rate): latency p50/p99
 * (log scale, the p99 target dashed), delivered/s next to offered, and CPU per notification stacked by
 * process. A percentile the step never reached (too many events still open after the drain) is drawn as
 * an open triangle on the top edge.
 */
export interface ChartPoint {
  rate: number;
  deliveredPerSecond: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  /** ms of CPU per notification, per account (process). */
  cpuMs: Record<string, number | null>;
  fellBehind: boolean;
}

export interface ChartInput {
  title: string;
  subtitle: string;
  points: ChartPoint[];
  p99TargetMs: number;
  accounts: string[];
}

const WIDTH = 900;
const PANEL_HEIGHT = 250;
const TOP = 95;
const GAP = 60;
const LEFT = 80;
const RIGHT = 170;
const COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
];
const P50 = '#4e79a7';
const P99 = '#e15759';

export function renderChart(input: ChartInput): string {
  const points = [...input.points].sort((a, b) => a.rate - b.rate);
  const rates = points.map((point) => point.rate);
  const plotRight = WIDTH - RIGHT;
  const minRate = rates.length > 0 ? Math.min(...rates) : 1;
  const maxRate = Math.max(...rates, minRate * 2);
  const x = logScale([minRate / 1.4, maxRate * 1.4], [LEFT, plotRight]);
  const panels = [latencyPanel, throughputPanel, cpuPanel].map((panel, index) =>
    panel(points, input, x, TOP + index * (PANEL_HEIGHT + GAP)),
  );
  const height = TOP + 3 * PANEL_HEIGHT + 2 * GAP + 50;
  return svgDocument(
    WIDTH,
    height,
    el('rect', { x: 0, y: 0, width: WIDTH, height, fill: 'white' }),
    text(LEFT, 28, input.title, { 'font-size': 16, 'font-weight': 'bold' }),
    text(LEFT, 48, input.subtitle, { fill: '#555' }),
    ...panels,
  );
}

type XScale = (rate: number) => number;

function frame(points: ChartPoint[], x: XScale, top: number, title: string, yLabel: string): string[] {
  const bottom = top + PANEL_HEIGHT;
  return [
    text(LEFT, top - 10, title, { 'font-weight': 'bold' }),
    el('rect', {
      x: LEFT,
      y: top,
      width: WIDTH - RIGHT - LEFT,
      height: PANEL_HEIGHT,
      fill: 'none',
      stroke: '#999',
    }),
    ...points.map((point) =>
      text(x(point.rate), bottom + 16, String(point.rate), { 'text-anchor': 'middle', class: 'x-tick' }),
    ),
    text((LEFT + WIDTH - RIGHT) / 2, bottom + 34, 'offered load (events/s, log scale)', {
      'text-anchor': 'middle',
      fill: '#555',
    }),
    text(LEFT - 60, top + PANEL_HEIGHT / 2, yLabel, {
      transform: `rotate(-90 ${LEFT - 60} ${top + PANEL_HEIGHT / 2})`,
      'text-anchor': 'middle',
      fill: '#555',
    }),
  ];
}

const formatMs = (ms: number) => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`);

function latencyPanel(points: ChartPoint[], input: ChartInput, x: XScale, top: number): string {
  const known = points.flatMap((p) => [p.p50Ms, p.p99Ms]).filter((v): v is number => v !== null && v > 0);
  const low = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...known, input.p99TargetMs))));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...known, input.p99TargetMs) * 1.5));
  const bottom = top + PANEL_HEIGHT;
  const y = logScale([low, high], [bottom, top]);
  const parts = frame(points, x, top, 'Latency, produce → terminal status', 'ms (log scale)');
  for (let tick = low; tick <= high; tick *= 10) {
    parts.push(
      el('line', { x1: LEFT, x2: WIDTH - RIGHT, y1: y(tick), y2: y(tick), stroke: '#eee' }),
      text(LEFT - 6, y(tick) + 4, formatMs(tick), { 'text-anchor': 'end', class: 'y-tick' }),
    );
  }
  const target = y(input.p99TargetMs);
  parts.push(
    el('line', {
      x1: LEFT,
      x2: WIDTH - RIGHT,
      y1: target,
      y2: target,
      stroke: P99,
      'stroke-dasharray': '6 4',
      class: 'p99-target',
    }),
    text(WIDTH - RIGHT + 8, target + 4, `p99 target ${formatMs(input.p99TargetMs)}`, { fill: P99 }),
  );
  for (const [key, color, label] of [
    ['p50Ms', P50, 'p50'],
    ['p99Ms', P99, 'p99'],
  ] as const) {
    const reached = points.filter((p) => p[key] !== null);
    parts.push(
      polyline(
        reached.map((p) => [x(p.rate), y(Math.max(low, p[key]!))]),
        { stroke: color, 'stroke-width': 2, class: `line-${label}` },
      ),
      ...reached.map((p) =>
        el('circle', {
          cx: x(p.rate),
          cy: y(Math.max(low, p[key]!)),
          r: 3.5,
          fill: color,
          class: `point-${label}`,
        }),
      ),
      ...points
        .filter((p) => p[key] === null)
        .map((p) => {
          // Both unknown at one rate: p50 sits under p99, so both triangles show.
          const tip = top + (label === 'p50' ? 13 : 1);
          return el('path', {
            d: `M ${x(p.rate) - 5} ${tip + 9} L ${x(p.rate)} ${tip} L ${x(p.rate) + 5} ${tip + 9} Z`,
            fill: 'white',
            stroke: color,
            class: `censored-${label}`,
          });
        }),
    );
  }
  parts.push(
    legend(WIDTH - RIGHT + 8, top + 20, [
      [P50, 'p50'],
      [P99, 'p99'],
    ]),
    text(WIDTH - RIGHT + 8, top + 70, '△ not reached', { fill: '#555' }),
    text(WIDTH - RIGHT + 8, top + 86, '(open after drain)', { fill: '#555' }),
  );
  return el('g', { class: 'panel-latency' }, ...parts);
}

function throughputPanel(points: ChartPoint[], _input: ChartInput, x: XScale, top: number): string {
  const bottom = top + PANEL_HEIGHT;
  const max = Math.max(...points.map((p) => Math.max(p.rate, p.deliveredPerSecond ?? 0)), 1);
  const ticks = niceTicks(max);
  const y = linearScale([0, ticks[ticks.length - 1]], [bottom, top]);
  const parts = frame(points, x, top, 'Throughput', 'events/s');
  for (const tick of ticks)
    parts.push(
      el('line', { x1: LEFT, x2: WIDTH - RIGHT, y1: y(tick), y2: y(tick), stroke: '#eee' }),
      text(LEFT - 6, y(tick) + 4, String(tick), { 'text-anchor': 'end', class: 'y-tick' }),
    );
  parts.push(
    polyline(
      points.map((p) => [x(p.rate), y(p.rate)]),
      { stroke: '#999', 'stroke-dasharray': '6 4', class: 'line-offered' },
    ),
  );
  const delivered = points.filter((p) => p.deliveredPerSecond !== null);
  parts.push(
    polyline(
      delivered.map((p) => [x(p.rate), y(p.deliveredPerSecond!)]),
      { stroke: P50, 'stroke-width': 2, class: 'line-delivered' },
    ),
    ...delivered.map((p) =>
      el('circle', {
        cx: x(p.rate),
        cy: y(p.deliveredPerSecond!),
        r: 4,
        fill: p.fellBehind ? 'white' : P50,
        stroke: P50,
        class: 'point-delivered',
      }),
    ),
    legend(WIDTH - RIGHT + 8, top + 20, [
      ['#999', 'offered'],
      [P50, 'delivered/s'],
    ]),
    text(WIDTH - RIGHT + 8, top + 70, '○ fell behind', { fill: '#555' }),
  );
  return el('g', { class: 'panel-throughput' }, ...parts);
}

function cpuPanel(points: ChartPoint[], input: ChartInput, x: XScale, top: number): string {
  const bottom = top + PANEL_HEIGHT;
  const totals = points.map((p) => input.accounts.reduce((sum, account) => sum + (p.cpuMs[account] ?? 0), 0));
  const ticks = niceTicks(Math.max(...totals, 0.1));
  const y = linearScale([0, ticks[ticks.length - 1]], [bottom, top]);
  const parts = frame(points, x, top, 'CPU per notification, whole stack', 'ms of CPU');
  for (const tick of ticks)
    parts.push(
      el('line', { x1: LEFT, x2: WIDTH - RIGHT, y1: y(tick), y2: y(tick), stroke: '#eee' }),
      text(LEFT - 6, y(tick) + 4, String(tick), { 'text-anchor': 'end', class: 'y-tick' }),
    );
  const barWidth = 22;
  points.forEach((point, index) => {
    let stacked = 0;
    input.accounts.forEach((account, accountIndex) => {
      const value = point.cpuMs[account] ?? 0;
      if (value <= 0) return;
      parts.push(
        el('rect', {
          x: x(point.rate) - barWidth / 2,
          y: y(stacked + value),
          width: barWidth,
          height: y(stacked) - y(stacked + value),
          fill: COLORS[accountIndex % COLORS.length],
          class: 'cpu-segment',
        }),
      );
      stacked += value;
    });
    parts.push(
      text(x(point.rate), y(totals[index]) - 5, totals[index].toFixed(1), {
        'text-anchor': 'middle',
        class: 'cpu-total',
      }),
    );
  });
  parts.push(
    legend(
      WIDTH - RIGHT + 8,
      top + 12,
      input.accounts.map((account, index) => [COLORS[index % COLORS.length], account]),
    ),
  );
  return el('g', { class: 'panel-cpu' }, ...parts);
}

function legend(left: number, top: number, entries: [string, string][]): string {
  return el(
    'g',
    { class: 'legend' },
    ...entries.flatMap(([color, label], index) => [
      el('rect', { x: left, y: top + index * 17 - 9, width: 12, height: 10, fill: color }),
      text(left + 18, top + index * 17, label),
    ]),
  );
}
