import { benchDatabaseUrl, parseOptions, parseRates } from './options';

describe('bench options', () => {
  it('defaults to the issue ladder, the deployed shape and ports of its own', () => {
    const options = parseOptions({}, [], '/repo', new Date('2026-12-01T10:00:00Z'));
    expect(options.rates).toEqual([50, 100, 200, 500, 1000, 1500, 2000]);
    expect(options.target).toBe('managed');
    expect(options.ports.resolver).toBe(4101);
    expect(options.ports['provider-simulator']).toBe(4100);
    expect(options.groupPrefix).toBe('bench-20261201T100000');
    expect(options.runDir).toBe('/repo/.run/bench/bench-20261201T100000');
  });

  it('--running uses the contract ports unless a base is given', () => {
    expect(parseOptions({}, ['--running'], '/repo').ports.resolver).toBe(3001);
    expect(parseOptions({ BENCH_PORT_BASE: '4150' }, ['--running'], '/repo').ports.resolver).toBe(4151);
  });

  it('reads the ladder and refuses nonsense', () => {
    expect(parseRates('50, 200')).toEqual([50, 200]);
    expect(() => parseRates('50,fast')).toThrow();
    expect(() => parseOptions({ BENCH_STEP_SECONDS: '0' }, [], '/repo')).toThrow(/BENCH_STEP_SECONDS/);
    expect(() => parseOptions({ BENCH_TARGET: 'cloud' }, [], '/repo')).toThrow(/BENCH_TARGET/);
  });

  it('only ever drops a database of its own', () => {
    expect(benchDatabaseUrl({})).toBe('postgres://postgres@127.0.0.1:5432/esoz_notify_bench');
    expect(benchDatabaseUrl({ DATABASE_URL: 'postgres://u@db:5433/esoz_notify_bench' })).toBe(
      'postgres://u@db:5433/esoz_notify_bench',
    );
    expect(benchDatabaseUrl({ DATABASE_URL: 'postgres://u@db:5433/esoz_notify' })).toBe(
      'postgres://u@db:5433/esoz_notify_bench',
    );
    expect(() => benchDatabaseUrl({ BENCH_DATABASE_URL: 'postgres://u@db/esoz_notify' })).toThrow(/_bench/);
  });
});
