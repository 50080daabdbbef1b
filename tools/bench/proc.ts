import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Reading Linux /proc: CPU times, memory and which process listens on a port. The parsers are pure (they
 * take the file's text), so the accounting can be tested on recorded samples.
 */

/** The fields of /proc/<pid>/stat we use; times in clock ticks. */
export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  utime: number;
  stime: number;
  /** CPU of waited-for children that have exited (how Postgres backends' CPU survives their exit). */
  cutime: number;
  cstime: number;
  /** Start time in ticks since boot: with the pid, identifies one process across samples (pids are reused). */
  starttime: number;
}

/**
 * Parses /proc/<pid>/stat. The command name is in parentheses and may itself contain spaces and ')', so
 * the fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error('unexpected /proc/<pid>/stat format');
  const pid = Number(text.slice(0, open).trim());
  const comm = text.slice(open + 1, close);
  // After ')': field 3 (state) is index 0, so field N is index N - 3.
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number) => Number(rest[n - 3]);
  return {
    pid,
    comm,
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
    starttime: field(22),
  };
}

/** VmRSS and VmHWM (peak RSS) from /proc/<pid>/status, in bytes. */
export function parseProcStatusMemory(text: string): { rssBytes: number; peakRssBytes: number } {
  const kib = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : NaN;
  };
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}

/** Socket inodes listening on `port` in a /proc/net/tcp or tcp6 table. */
export function listeningInodes(table: string, port: number): number[] {
  const inodes: number[] = [];
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10) continue;
    const [, local, , state] = cols;
    const localPort = parseInt(local.split(':').at(-1) ?? '', 16);
    if (state === '0A' && localPort === port) inodes.push(Number(cols[9]));
  }
  return inodes;
}

let clockTicks: number | undefined;

/** USER_HZ (100 on every Linux we run on; asked once). */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // gone
  }
}

export function readMemory(pid: number): { rssBytes: number; peakRssBytes: number } | undefined {
  try {
    return parseProcStatusMemory(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}

export function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Processes whose command name (/proc/<pid>/comm) is `comm`, e.g. every postgres process. */
export function pidsByComm(comm: string): number[] {
  return allPids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm;
    } catch {
      return false;
    }
  });
}

/** The process listening on 127.0.0.1/0.0.0.0:`port` (IPv4 or IPv6), if it is on this machine and visible to us. */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const inode of listeningInodes(readFileSync(table, 'utf8'), port)) inodes.add(inode);
    } catch {
      // no IPv6 table
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of allPids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // not ours to look at, or gone
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match && inodes.has(Number(match[1]))) return pid;
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}
