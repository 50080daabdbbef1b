import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { maskPhonesInText } from '@app/platform';
import type { CheckResult, Finding } from './check';
import type { FaultRecord } from './faults';

export interface CrashRecord {
  app: string;
  at: string;
  offsetS: number;
  exit: string;
  lastLogLines: string[];
  restarted: string;
}

export interface ChaosReport {
  name: string;
  runId: string;
  seed: number;
  verdict: 'PASS' | 'FAIL';
  /** Why the run did not complete normally (overall timeout, Ctrl-C, a start-up failure). */
  aborted?: string;
  startedAt: string;
  finishedAt: string;
  settings: Record<string, unknown>;
  workload: {
    events: number;
    persons: number;
    republished: number;
    byExpectedOutcome: Record<string, number>;
    byType: Record<string, number>;
  };
  publish: { durationS: number; ratePerSecond: number; sendRetries: number };
  faults: {
    injected: number;
    failed: number;
    byKind: Record<string, number>;
    list: FaultRecord[];
    /** App processes that exited without being killed by the harness (restarted, as a supervisor would). */
    unexpectedExits: CrashRecord[];
  };
  drain: { drained: boolean; timeToDrainS: number | null; eventsWithoutTerminal: number };
  result?: Omit<CheckResult, 'findings'> & { findingExamples: Finding[] };
  dlq: { ours: Record<string, number>; growthAllGroups: Record<string, number> };
  logs: string;
  reportFiles?: { json: string; text: string };
}

/** Every problem kind fails the run: lost, duplicated, stuck, inconsistent, dead-lettered, or not finished. */
export function verdictOf(report: Omit<ChaosReport, 'verdict'>): 'PASS' | 'FAIL' {
  const result = report.result;
  if (report.aborted || !result) return 'FAIL';
  return result.lost + result.duplicated + result.stuck + result.inconsistent + result.deadLettered === 0
    ? 'PASS'
    : 'FAIL';
}

export function formatReport(report: ChaosReport, root: string): string {
  const lines: string[] = [];
  const r = report.result;
  const s = (value: number | null | undefined, digits = 1) =>
    value === null || value === undefined ? '—' : value.toFixed(digits);
  lines.push(
    `${report.name} ${report.runId} (seed ${report.seed}): ${report.verdict}${report.aborted ? ` — aborted: ${report.aborted}` : ''}`,
  );
  const code = report.settings.code as { commit: string; uncommittedPaths: string[] } | undefined;
  if (code)
    lines.push(
      `code: ${code.commit.slice(0, 12)}${code.uncommittedPaths.length ? ` + uncommitted changes in ${code.uncommittedPaths.length} paths (see the JSON)` : ''}`,
    );
  lines.push(
    `events: ${report.workload.events} (+${report.workload.republished} published twice, same eventId), ${report.workload.persons} persons; published at ${report.publish.ratePerSecond}/s over ${s(report.publish.durationS)} s (${report.publish.sendRetries} send retries)`,
  );
  const byKind = Object.entries(report.faults.byKind)
    .map(([kind, count]) => `${kind} ×${count}`)
    .join(', ');
  lines.push(
    `faults injected: ${report.faults.injected} (${byKind || 'none'})${report.faults.failed ? `, ${report.faults.failed} FAILED to inject` : ''}`,
  );
  for (const fault of report.faults.list)
    lines.push(
      `  +${s(fault.offsetS).padStart(6)} s  ${fault.kind.padEnd(16)} ${fault.target.padEnd(18)} ${fault.error ? `FAILED: ${fault.error}` : fault.detail}`,
    );
  if (report.faults.unexpectedExits.length > 0) {
    lines.push(`apps that exited on their own: ${report.faults.unexpectedExits.length}`);
    for (const crash of report.faults.unexpectedExits)
      lines.push(`  +${s(crash.offsetS).padStart(6)} s  ${crash.app} ${crash.exit}; ${crash.restarted}`);
  }
  if (r) {
    lines.push(
      `lost: ${r.lost}   duplicated: ${r.duplicated}   stuck: ${r.stuck}   inconsistent: ${r.inconsistent}   dead-lettered: ${r.deadLettered}`,
    );
  } else {
    lines.push('lost / duplicated / stuck: not checked (the run did not get that far)');
  }
  lines.push(
    `time to drain: ${report.drain.drained ? `${s(report.drain.timeToDrainS)} s (last event published → every event terminal)` : `NOT drained (${report.drain.eventsWithoutTerminal} events without a terminal status)`}`,
  );
  if (r) {
    lines.push(
      `time to terminal (publish → terminal status): p50 ${s(r.timeToTerminal.p50Ms / 1000)} s, p95 ${s(r.timeToTerminal.p95Ms / 1000)} s, max ${s(r.timeToTerminal.maxMs / 1000)} s`,
    );
    lines.push(
      `terminal statuses: ${Object.entries(r.terminalCounts)
        .map(([key, count]) => `${key} ${count}`)
        .join(', ')}`,
    );
    const shifts = Object.entries(r.outcomeShifts);
    if (shifts.length > 0)
      lines.push(
        `outcomes that differ from the fault-free path (expected → actual): ${shifts.map(([key, count]) => `${key} ×${count}`).join(', ')}`,
      );
    lines.push(
      `provider side: ${r.notes.simulatorMessages} simulator messages, ${r.notes.diiaPushes} Diia pushes, ${r.notes.deliveries} deliveries; ${r.notes.messagesOnTwoChannelsAfterFallback} events reached the provider on two channels after a FELL_BACK (documented), ${r.notes.lateReportsRecorded} late reports recorded`,
    );
    lines.push(
      `status topic: ${r.notes.republishedTerminalCopies} identical terminal statuses published again (at-least-once relay); Diia: ${r.notes.diiaPushesUnattributed} pushes matching no delivery, ${r.notes.diiaDeliveredUnverified} DIIA deliveries whose push was not seen`,
    );
    const codes = Object.entries(r.findingsByCode);
    if (codes.length > 0) {
      lines.push(`findings: ${codes.map(([code, count]) => `${code} ×${count}`).join(', ')}`);
      for (const finding of r.findingExamples)
        lines.push(
          `  [${finding.kind}] ${finding.code}${finding.eventId ? ` event ${finding.eventId}` : ''}: ${finding.detail}`,
        );
    }
  }
  const dlq = Object.entries(report.dlq.ours).filter(([, count]) => count > 0);
  lines.push(
    `DLQ (this run's groups): ${dlq.length === 0 ? '0 on every topic' : dlq.map(([topic, count]) => `${topic} ${count}`).join(', ')}`,
  );
  lines.push(`logs: ${relative(root, report.logs)}/`);
  if (report.reportFiles) lines.push(`report: ${report.reportFiles.text} and .json`);
  // Nothing here should carry a phone, but this text is printed and stored: one last guard.
  return maskPhonesInText(lines.join('\n'));
}

/** Writes report-<timestamp>.{json,txt} into `dir` and returns their paths (relative to the checkout). */
export function writeReport(report: ChaosReport, dir: string, root: string): { json: string; text: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[-:]/g, '').replace(/\..*/, '');
  const json = join(dir, `report-${stamp}.json`);
  const text = join(dir, `report-${stamp}.txt`);
  report.reportFiles = { json: relative(root, json), text: relative(root, text) };
  writeFileSync(json, maskPhonesInText(JSON.stringify(report, null, 2)) + '\n');
  writeFileSync(text, formatReport(report, root) + '\n');
  return report.reportFiles;
}
