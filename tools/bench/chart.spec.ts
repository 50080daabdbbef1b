import { renderChart, type ChartPoint } from './chart';

const point = (rate: number, fields: Partial<ChartPoint> = {}): ChartPoint => ({
  rate,
  deliveredPerSecond: rate,
  p50Ms: 40,
  p99Ms: 200,
  cpuMs: { resolver: 1, viber: 2, kafka: 0.5 },
  fellBehind: false,
  ...fields,
});

const count = (svg: string, pattern: RegExp) => (svg.match(pattern) ?? []).length;
const pointsOf = (svg: string, className: string) =>
  new RegExp(`<polyline points="([^"]*)"[^>]*class="${className}"`).exec(svg)?.[1].split(' ') ?? [];

describe('the bench chart', () => {
  const svg = renderChart({
    title: 'bench <happy> & co',
    subtitle: 'run',
    p99TargetMs: 1000,
    accounts: ['resolver', 'viber', 'kafka'],
    points: [
      point(200, { deliveredPerSecond: 129, p50Ms: 11_200, p99Ms: null, fellBehind: true }),
      point(50),
      point(100, { p50Ms: 60, p99Ms: 250 }),
    ],
  });

  it('is one SVG document with escaped text', () => {
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(count(svg, /<svg /g)).toBe(1);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('bench &lt;happy&gt; &amp; co');
    expect(svg).not.toContain('<happy>');
  });

  it('draws p50 over every step and p99 where it was reached, in offered order', () => {
    const p50 = pointsOf(svg, 'line-p50');
    const p99 = pointsOf(svg, 'line-p99');
    expect(p50).toHaveLength(3);
    expect(p99).toHaveLength(2);
    const xs = p50.map((xy) => Number(xy.split(',')[0]));
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    // The 200/s p99 was not reached: an open marker instead of a point.
    expect(count(svg, /class="censored-p99"/g)).toBe(1);
    expect(count(svg, /class="censored-p50"/g)).toBe(0);
    expect(count(svg, /class="point-p99"/g)).toBe(2);
  });

  it('puts a higher latency higher up (smaller y)', () => {
    const ys = pointsOf(svg, 'line-p50').map((xy) => Number(xy.split(',')[1]));
    // 50/s: 40 ms, 100/s: 60 ms, 200/s: 11.2 s
    expect(ys[0]).toBeGreaterThan(ys[1]);
    expect(ys[1]).toBeGreaterThan(ys[2]);
  });

  it('labels each ladder rate and marks the p99 target', () => {
    for (const rate of ['50', '100', '200']) expect(svg).toContain(`class="x-tick">${rate}</text>`);
    expect(count(svg, /class="p99-target"/g)).toBe(1);
    expect(svg).toContain('p99 target 1 s');
  });

  it('stacks CPU per process for every step, with the total on top', () => {
    expect(count(svg, /class="cpu-segment"/g)).toBe(9); // 3 steps × 3 accounts
    expect(count(svg, /class="cpu-total">3\.5<\/text>/g)).toBe(3);
  });

  it('shows a step that fell behind with an open marker', () => {
    expect(count(svg, /fill="white" stroke="#4e79a7" class="point-delivered"/g)).toBe(1);
  });
});
