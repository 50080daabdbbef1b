import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { liteRunOptions, repoRoot } from '../tools/chaos/options';
import type { ChaosReport } from '../tools/chaos/report';
import { runChaos } from '../tools/chaos/run';

/**
 * The fast subset of `npm run chaos` (tools/chaos/run.ts, same run and checks): the apps as child
 * processes from dist/ on npm test's broker, ~300 events, one SIGKILL (+ restart) of viber-sender and one
 * SMS outage window. Its own database (esoz_notify_test_chaos), ports (24001-24005, 24100) and consumer
 * groups. Report in .run/chaos-lite/.
 */
jest.setTimeout(240_000);

describe('chaos-lite: SIGKILL of viber-sender and an SMS outage while ~300 events flow', () => {
  let report: ChaosReport;

  beforeAll(() => {
    // A real SIGKILL needs real processes, which run the built apps; npm test does not build (~2 s).
    execFileSync('npm', ['run', '-s', 'build'], { cwd: repoRoot(), stdio: 'inherit' });
  }, 120_000);

  it('runs the faults and ends every event exactly once, with nothing lost, duplicated or stuck', async () => {
    report = await runChaos(liteRunOptions(process.env));

    expect(report.aborted).toBeUndefined();
    expect(report.faults.byKind).toEqual({ 'app-kill': 1, 'provider-outage': 1 });
    expect(report.faults.failed).toBe(0);
    const result = report.result!;
    // The findings go into the comparison, so a failure shows which events and why.
    expect({
      lost: result.lost,
      duplicated: result.duplicated,
      stuck: result.stuck,
      inconsistent: result.inconsistent,
      deadLettered: result.deadLettered,
      drained: report.drain.drained,
      findings: result.findingExamples.map(
        (finding) => `${finding.kind} ${finding.code} ${finding.eventId ?? ''}: ${finding.detail}`,
      ),
    }).toEqual({
      lost: 0,
      duplicated: 0,
      stuck: 0,
      inconsistent: 0,
      deadLettered: 0,
      drained: true,
      findings: [],
    });
    expect(result.events).toBe(report.workload.events);
    expect(report.verdict).toBe('PASS');
  });
});
