import { attributeCpu, postgresRole, type GroupedStat } from './cpu';

const proc = (fields: Partial<GroupedStat> & Pick<GroupedStat, 'pid'>): GroupedStat => ({
  comm: 'postgres',
  ppid: 1,
  utime: 0,
  stime: 0,
  cutime: 0,
  cstime: 0,
  starttime: 100,
  group: 'our-database',
  ...fields,
});

describe('CPU accounting between two /proc samples', () => {
  const postmaster = { pid: 1, ppid: 0, group: 'postmaster', starttime: 1 };

  it('counts what each process used in between, by group', () => {
    const before = [proc({ ...postmaster, utime: 50 }), proc({ pid: 10, utime: 100, stime: 20 })];
    const after = [proc({ ...postmaster, utime: 55 }), proc({ pid: 10, utime: 130, stime: 25 })];
    const ticks = attributeCpu(before, after, () => 'exited');
    expect(Object.fromEntries(ticks)).toEqual({ postmaster: 5, 'our-database': 35 });
  });

  it('counts a process born in between in full', () => {
    const before = [proc(postmaster)];
    const after = [proc(postmaster), proc({ pid: 11, utime: 7, stime: 3, starttime: 500 })];
    expect(attributeCpu(before, after, () => 'exited').get('our-database')).toBe(10);
  });

  it("counts an exited child's work after the first sample, through its parent's cutime", () => {
    // Backend 12 had used 100 ticks before; it used 30 more, exited, and the postmaster reaped it (+130).
    const before = [proc(postmaster), proc({ pid: 12, utime: 80, stime: 20 })];
    const after = [proc({ ...postmaster, cutime: 110, cstime: 20 })];
    const ticks = attributeCpu(before, after, () => 'exited');
    expect(ticks.get('exited')).toBe(30);
    expect(ticks.get('our-database') ?? 0).toBe(0);
  });

  it('counts a child born and gone in between in full', () => {
    const after = [proc({ ...postmaster, cutime: 40 })];
    expect(attributeCpu([proc(postmaster)], after, () => 'exited').get('exited')).toBe(40);
  });

  it('treats a reused pid as a new process, not as a counter that went backwards', () => {
    const before = [proc(postmaster), proc({ pid: 13, utime: 500, starttime: 100 })];
    // 13 exited (reaped: +510 total) and a new process got pid 13, using 4 ticks so far.
    const after = [proc({ ...postmaster, cutime: 510 }), proc({ pid: 13, utime: 4, starttime: 900 })];
    const ticks = attributeCpu(before, after, () => 'exited');
    expect(ticks.get('our-database')).toBe(4);
    expect(ticks.get('exited')).toBe(10);
  });
});

describe('which Postgres process is which', () => {
  it.each([
    [
      '/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -c config_file=/etc/x.conf',
      'postmaster',
    ],
    ['postgres: 15/main: checkpointer', 'background'],
    ['postgres: 15/main: logical replication launcher', 'background'],
    ['postgres: 15/main: autovacuum worker esoz_notify_bench', 'background'],
    ['postgres: 15/main: postgres esoz_notify_bench 127.0.0.1(52524) idle', 'our-database'],
    ['postgres: 15/main: postgres esoz_notify_bench 127.0.0.1(52524) COMMIT', 'our-database'],
    ['postgres: 15/main: postgres esoz_notify 127.0.0.1(52508) idle in transaction', 'other-databases'],
    ['postgres: postgres esoz_notify_bench [local] idle', 'our-database'],
    ['postgres: walwriter', 'background'],
  ])('%s → %s', (cmdline, role) => {
    expect(postgresRole(cmdline, 'esoz_notify_bench')).toBe(role);
  });
});
