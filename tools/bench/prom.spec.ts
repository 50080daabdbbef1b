import { parseSelfReport, sampleValue } from './prom';

const exposition = `# HELP process_cpu_user_seconds_total Total user CPU time spent in seconds.
# TYPE process_cpu_user_seconds_total counter
process_cpu_user_seconds_total{app="resolver"} 12.5
# HELP process_cpu_system_seconds_total Total system CPU time spent in seconds.
process_cpu_system_seconds_total{app="resolver"} 3.25
process_cpu_seconds_total{app="resolver"} 15.75
process_resident_memory_bytes{app="resolver"} 180000000
`;

describe('reading an app’s own CPU from /metrics', () => {
  it('reads a sample with labels and ignores longer names sharing the prefix', () => {
    expect(sampleValue(exposition, 'process_cpu_user_seconds_total')).toBe(12.5);
    expect(sampleValue(exposition, 'process_cpu_seconds_total')).toBe(15.75);
    expect(
      sampleValue(
        'process_cpu_seconds_total_extra 1\nprocess_cpu_seconds_total 2\n',
        'process_cpu_seconds_total',
      ),
    ).toBe(2);
    expect(sampleValue(exposition, 'nope')).toBeUndefined();
  });

  it('needs both user and system CPU', () => {
    expect(parseSelfReport(exposition)).toEqual({
      cpuUserSeconds: 12.5,
      cpuSystemSeconds: 3.25,
      residentBytes: 180000000,
    });
    expect(parseSelfReport('process_cpu_user_seconds_total 1\n')).toBeUndefined();
  });
});
