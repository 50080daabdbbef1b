import { listeningInodes, parseProcStat, parseProcStatusMemory } from './proc';

describe('/proc parsers', () => {
  it('reads CPU times from /proc/<pid>/stat, even when the command name has spaces and parentheses', () => {
    // Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    // utime stime cutime cstime priority nice threads itrealvalue starttime ...
    const line =
      '4242 (web (worker) 1) S 17 4242 4242 0 -1 4194560 100 0 0 0 1234 567 89 10 20 0 12 0 987654 1000 50';
    expect(parseProcStat(line)).toEqual({
      pid: 4242,
      comm: 'web (worker) 1',
      ppid: 17,
      utime: 1234,
      stime: 567,
      cutime: 89,
      cstime: 10,
      starttime: 987654,
    });
  });

  it('rejects text that is not a stat line', () => {
    expect(() => parseProcStat('no parentheses here')).toThrow();
  });

  it('reads VmRSS and VmHWM in bytes', () => {
    const status =
      'Name:\tnode\nVmPeak:\t 1619576 kB\nVmHWM:\t  200000 kB\nVmRSS:\t  171976 kB\nThreads:\t11\n';
    expect(parseProcStatusMemory(status)).toEqual({ rssBytes: 171976 * 1024, peakRssBytes: 200000 * 1024 });
  });

  it('finds the listening socket of a port in /proc/net/tcp (hex port, state 0A)', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1004 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5551 1 0 100 0 0 10 0',
      '   1: 0100007F:1004 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 5552 1 0 20 4 30 10 -1',
      '   2: 0100007F:1005 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5553 1 0 100 0 0 10 0',
    ].join('\n');
    expect(listeningInodes(table, 0x1004)).toEqual([5551]); // 4100; the established connection is not it
    expect(listeningInodes(table, 4101)).toEqual([5553]);
    expect(listeningInodes(table, 9092)).toEqual([]);
  });
});
