import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { supportUser } from '../apps/support-console/src/cli/support-user';
import { loadSupportCliConfig } from '../apps/support-console/src/cli/support-cli.config';
import { startSupportConsole } from '../apps/support-console/src/main';

jest.setTimeout(60_000);

/**
 * The console's own guarantees over HTTP, on the real database: sign-in is rate-limited, forms are
 * CSRF-safe, sessions expire and end at sign-out, the audit log cannot be changed, and a resolver that does
 * not answer shows nothing (and audits nothing). The resolver URL points nowhere: none of this needs it.
 */
const BASE = 'http://127.0.0.1:4420';
const LOGIN = `test-${randomUUID().slice(0, 8)}`;
const PASSWORD = `pw-${randomUUID()}`;
const IDLE_SECONDS = 2;

describe('support console over HTTP (real Postgres)', () => {
  let running: Awaited<ReturnType<typeof startSupportConsole>>;
  let db: Client;

  beforeAll(async () => {
    running = await startSupportConsole({
      ...process.env,
      LOG_LEVEL: 'silent',
      PORT: '4420',
      RESOLVER_URL: 'http://127.0.0.1:4429',
      RESOLVER_TIMEOUT_MS: '500',
      SESSION_IDLE_SECONDS: String(IDLE_SECONDS),
      SIGN_IN_MAX_FAILURES: '3',
    });
    const created = await supportUser(
      ['add', LOGIN],
      loadSupportCliConfig({ ...process.env, SUPPORT_USER_PASSWORD: PASSWORD }),
    );
    expect(created.lines).toEqual([
      `created ${LOGIN}`,
      'password: (the password from SUPPORT_USER_PASSWORD)',
    ]);
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await running?.close();
  });

  const audit = async (login = LOGIN) =>
    (await db.query(`SELECT action FROM support_audit_log WHERE login = $1 ORDER BY id`, [login])).rows.map(
      (row) => row.action,
    );

  it('sends every page to sign-in without a session', async () => {
    for (const path of ['/', '/overview', `/notifications/${randomUUID()}`]) {
      const response = await fetch(`${BASE}${path}`, { redirect: 'manual' });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toMatch(/^\/sign-in/);
    }
    const search = await post('/search', { q: '0931234567' });
    expect(search.status).toBe(303);
  });

  it('refuses a sign-in form without its CSRF cookie, with another token, or from another origin', async () => {
    const form = await signInForm();
    expect((await post('/sign-in', { _csrf: form.csrf, login: LOGIN, password: PASSWORD })).status).toBe(403);
    expect(
      (await post('/sign-in', { _csrf: `${form.csrf}x`, login: LOGIN, password: PASSWORD }, form.cookie))
        .status,
    ).toBe(403);
    expect(
      (
        await post('/sign-in', { _csrf: form.csrf, login: LOGIN, password: PASSWORD }, form.cookie, {
          origin: 'https://evil.example',
        })
      ).status,
    ).toBe(403);
    expect(await audit()).toEqual([]); // refused before any password was checked
  });

  it('signs in, serves pages without caching and without script, and refuses a post without the session token', async () => {
    const session = await signIn();
    const home = await fetch(`${BASE}/`, { headers: { cookie: session.cookie } });
    expect(home.status).toBe(200);
    expect(home.headers.get('cache-control')).toBe('no-store');
    expect(home.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await home.text()).not.toContain('<script');
    const before = (await audit()).length;
    expect((await post('/search', { q: '0931234567' }, session.cookie)).status).toBe(403);
    expect((await post('/search', { q: '0931234567', _csrf: 'forged' }, session.cookie)).status).toBe(403);
    expect(
      (
        await post('/search', { q: '0931234567', _csrf: session.csrf }, session.cookie, {
          origin: 'http://evil.example',
        })
      ).status,
    ).toBe(403);
    expect((await audit()).length).toBe(before); // nothing was searched
  });

  it('shows nothing and audits no search when the resolver does not answer', async () => {
    const session = await signIn();
    const before = await audit();
    const answer = await post('/search', { q: '0931234567', _csrf: session.csrf }, session.cookie);
    expect(answer.status).toBe(503);
    expect(await answer.text()).toContain('Пошук тимчасово недоступний');
    expect(await audit()).toEqual(before);
  });

  it('ends a session after the idle limit, and at sign-out', async () => {
    const idle = await signIn();
    await new Promise((resolve) => setTimeout(resolve, (IDLE_SECONDS + 0.5) * 1000));
    const expired = await fetch(`${BASE}/`, { headers: { cookie: idle.cookie }, redirect: 'manual' });
    expect(expired.status).toBe(303);
    expect(expired.headers.get('location')).toBe('/sign-in');

    const active = await signIn();
    expect((await fetch(`${BASE}/`, { headers: { cookie: active.cookie } })).status).toBe(200);
    expect((await post('/sign-out', { _csrf: active.csrf }, active.cookie)).status).toBe(303);
    expect((await fetch(`${BASE}/`, { headers: { cookie: active.cookie }, redirect: 'manual' })).status).toBe(
      303,
    );
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM support_session s JOIN support_staff t ON t.id = s.staff_id WHERE t.login = $1`,
      [LOGIN],
    );
    expect(rows[0].n).toBeLessThanOrEqual(1); // the idle one is gone, the signed-out one too
  });

  it('rate-limits sign-in: after three failures even the right password waits', async () => {
    const login = `throttled-${randomUUID().slice(0, 8)}`;
    await supportUser(
      ['add', login],
      loadSupportCliConfig({ ...process.env, SUPPORT_USER_PASSWORD: PASSWORD }),
    );
    for (let i = 0; i < 3; i++) expect((await attempt(login, 'wrong-password')).status).toBe(401);
    const throttled = await attempt(login, PASSWORD);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await throttled.text()).toContain('Забагато невдалих спроб');
    expect(await audit(login)).toEqual(['SIGN_IN_FAILED', 'SIGN_IN_FAILED', 'SIGN_IN_FAILED']);
    // Another login from the same address still may (the address limit is four times higher).
    expect((await attempt(LOGIN, PASSWORD)).status).toBe(303);
  });

  it('keeps the audit log append-only in the database', async () => {
    for (const statement of [
      `UPDATE support_audit_log SET login = 'someone-else' WHERE login = '${LOGIN}'`,
      `DELETE FROM support_audit_log WHERE login = '${LOGIN}'`,
      `TRUNCATE support_audit_log`,
    ])
      await expect(db.query(statement)).rejects.toThrow(/append-only/);
    expect((await audit()).length).toBeGreaterThan(0);
  });

  // ---- helpers ----

  async function signInForm(): Promise<{ csrf: string; cookie: string }> {
    const response = await fetch(`${BASE}/sign-in`);
    const html = await response.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1];
    const cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    return { csrf, cookie };
  }

  function attempt(login: string, password: string) {
    return signInForm().then((form) => post('/sign-in', { _csrf: form.csrf, login, password }, form.cookie));
  }

  async function signIn(): Promise<{ cookie: string; csrf: string }> {
    const response = await attempt(LOGIN, PASSWORD);
    expect(response.status).toBe(303);
    const cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .filter((c) => c.startsWith('esoz_support_session=') && c.length > 25)
      .join('; ');
    const home = await (await fetch(`${BASE}/`, { headers: { cookie } })).text();
    return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(home)![1] };
  }

  function post(
    path: string,
    form: Record<string, string>,
    cookie?: string,
    headers: Record<string, string> = {},
  ) {
    return fetch(`${BASE}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: BASE,
        ...(cookie ? { cookie } : {}),
        ...headers,
      },
      body: new URLSearchParams(form).toString(),
    });
  }
});
