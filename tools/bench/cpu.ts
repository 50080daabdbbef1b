import type { ProcStat } from './proc';

/**
 * CPU accounting over a set of processes between two /proc samples, exact even when processes come and
 * go in between (Postgres backends do: a pool closes idle connections and opens new ones):
 *
 * - a process in both samples (same pid and start time) counts what it used in between;
 * - a process only in the later sample was born in between and counts all it used;
 * - a process only in the earlier sample exited in between; the kernel added all of its CPU to its
 *   parent's cutime/cstime when the parent reaped it, so the parent's growth in those counts the exited
 *   work, minus what the exited process had already used before the first sample (counted before).
 *
 * Processes born and gone between the samples are in the parent's growth entirely, as they should be.
 */

/** One process in a sample, with the group it is accounted to (e.g. "backends of our database"). */
export interface GroupedStat extends ProcStat {
  group: string;
}

const own = (p: ProcStat) => p.utime + p.stime;
const reaped = (p: ProcStat) => p.cutime + p.cstime;
const identity = (p: ProcStat) => `${p.pid}@${p.starttime}`;

/**
 * Ticks per group between `before` and `after`. CPU of children that exited goes to `exitedGroup(parent)`.
 */
export function attributeCpu(
  before: readonly GroupedStat[],
  after: readonly GroupedStat[],
  exitedGroup: (parent: GroupedStat) => string,
): Map<string, number> {
  const earlier = new Map(before.map((p) => [identity(p), p]));
  const later = new Map(after.map((p) => [identity(p), p]));
  const ticks = new Map<string, number>();
  const add = (group: string, value: number) => ticks.set(group, (ticks.get(group) ?? 0) + value);

  for (const p of after) {
    const previous = earlier.get(identity(p));
    add(p.group, previous ? own(p) - own(previous) : own(p));
    const childrenGrowth = previous ? reaped(p) - reaped(previous) : reaped(p);
    if (childrenGrowth !== 0) add(exitedGroup(p), childrenGrowth);
  }
  const laterByPid = new Map(after.map((p) => [p.pid, p]));
  for (const gone of before) {
    if (later.has(identity(gone))) continue;
    const parent = laterByPid.get(gone.ppid);
    // Its parent reaped it and counted all its CPU; the part used before the first sample is not ours.
    // (A parent that is gone too took the whole account with it: nothing to correct.)
    if (parent && earlier.has(identity(parent))) add(exitedGroup(parent), -(own(gone) + reaped(gone)));
  }
  return ticks;
}

/** What a Postgres process is, from its command line (the title Postgres sets, as `ps` shows it). */
export type PostgresRole = 'postmaster' | 'background' | 'our-database' | 'other-databases';

/**
 * `postgres: 15/main: postgres esoz_notify 127.0.0.1(52524) idle` is a backend of database esoz_notify
 * (with a cluster name; without, `postgres: postgres esoz_notify [local] idle`); `postgres: 15/main:
 * checkpointer` is a background process; the postmaster keeps its real command line (`.../bin/postgres -D ...`).
 */
export function postgresRole(cmdline: string, ourDatabase: string): PostgresRole {
  if (!cmdline.startsWith('postgres: ')) return 'postmaster';
  const title = cmdline.slice('postgres: '.length).trim();
  const backend = /^(?:[^\s:]+: )?(\S+) (\S+) (\S+\(\d+\)|\[local\])(?: |$)/.exec(title);
  if (!backend) return 'background';
  return backend[2] === ourDatabase ? 'our-database' : 'other-databases';
}

export const ticksToSeconds = (ticks: number, perSecond: number) => ticks / perSecond;
