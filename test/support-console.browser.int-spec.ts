import 'reflect-metadata';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Topic, type PersonSnapshot } from '@app/contracts';
import { LOCAL_SECRETS, maskPhone } from '@app/platform';
import {
  adultWithOtp,
  eventually,
  offlineMethod,
  prescriptionEvent,
  produce,
  testKafka,
  thirdPersonMethod,
  uniquePhone,
} from '@app/testing';
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { supportAudit } from '../apps/support-console/src/cli/support-audit';
import { supportUser } from '../apps/support-console/src/cli/support-user';
import { loadSupportCliConfig } from '../apps/support-console/src/cli/support-cli.config';
import { startSupportConsole } from '../apps/support-console/src/main';
import { startInProcessSystem, type InProcessSystem, type Ports } from '../tools/lib/system';
import { SecretScanner } from './support/secret-scan';

jest.setTimeout(180_000);

/**
 * The support console in a real browser (Debian's Chromium, driven by playwright-core), on data made by the
 * real pipeline: resolver, viber-sender, sms-sender and the provider simulator in this process, on the real
 * broker and database. A child's prescription goes to the mother; her Viber reports "undelivered", SMS
 * delivers. Support signs in, searches by the mother's phone typed the local way, opens the record, and
 * reads who received it and the Viber → SMS story in words; the lookup is in the audit log; no page holds a
 * code or a full phone.
 */
const PORTS: Ports = {
  resolver: 4411,
  'viber-sender': 4412,
  'sms-sender': 4413,
  'diia-push-stub': 4414,
  'info-slip-renderer': 4415,
  'provider-simulator': 4410,
};
const CONSOLE = 'http://127.0.0.1:4416';
const SUPPORT_TOKEN = 'console-browser-spec-support-token';
const SUPPORT_SEARCH_KEY = 'console-browser-spec-search-key';
const PASSWORD = `pw-${randomUUID()}`;
const LOGIN = `olena-${randomUUID().slice(0, 8)}`;
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = process.env.SCREENSHOT_DIR ?? join(__dirname, '..', '.run', 'screenshots');
const UUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

describe('support console in Chromium, on data from the real pipeline', () => {
  let system: InProcessSystem;
  let consoleApp: Awaited<ReturnType<typeof startSupportConsole>>;
  let producer: Producer;
  let db: Client;
  let browser: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const pages: { name: string; html: string }[] = [];

  const mother = adultWithOtp();
  const motherPhone = mother.phones[0].number;
  const childPhone = uniquePhone();
  const child = childOf(mother, childPhone);
  const code = codeNotIn(motherPhone, childPhone);
  const event = prescriptionEvent(child.id);
  event.payload = { ...event.payload, verificationCode: code };
  const local = `0${motherPhone.slice(4)}`; // +380931234567 → 0931234567
  // A patient registered without a phone: the prescription becomes a slip for the doctor to print.
  const offline = { ...adultWithOtp(), phones: [], authenticationMethods: [offlineMethod()] };
  const slipNumber =
    `0000-${randomUUID().slice(0, 4)}-${randomUUID().slice(0, 4)}-${randomUUID().slice(0, 4)}`.toUpperCase();
  const slipEvent = prescriptionEvent(offline.id);
  slipEvent.payload = { ...slipEvent.payload, number: slipNumber, verificationCode: code };

  beforeAll(async () => {
    system = await startInProcessSystem({
      apps: ['resolver', 'viber-sender', 'sms-sender', 'info-slip-renderer'],
      ports: PORTS,
      groupPrefix: 'esoz-notify-test.console',
      env: { LOG_LEVEL: 'warn', DIIA_ENABLED: 'false', SUPPORT_TOKEN, SUPPORT_SEARCH_KEY },
      simulatorEnv: { REPORT_DELAY_MS: '100' },
    });
    consoleApp = await startSupportConsole({
      ...process.env,
      LOG_LEVEL: 'warn',
      PORT: '4416',
      RESOLVER_URL: system.url('resolver'),
      SUPPORT_TOKEN,
    });
    const created = await supportUser(
      ['add', LOGIN],
      loadSupportCliConfig({ ...process.env, SUPPORT_USER_PASSWORD: PASSWORD }),
    );
    expect(created.exitCode).toBe(0);

    producer = testKafka().producer();
    await producer.connect();
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();

    // Viber reports the message to the mother undelivered: the SMS is what reaches her.
    await fetch(
      `${system.url('provider-simulator')}/__control/recipients/${encodeURIComponent(motherPhone)}`,
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ viber: 'UNDELIVERED' }),
      },
    );
    await produce(producer, Topic.Person, [
      { key: mother.id, value: mother },
      { key: child.id, value: child },
      { key: offline.id, value: offline },
    ]);
    await produce(producer, Topic.NotificationRequested, [
      { key: child.id, value: event },
      { key: offline.id, value: slipEvent },
    ]);
    for (const { eventId } of [event, slipEvent])
      await eventually(
        async () => {
          const { rows } = await db.query(
            `SELECT status FROM notification_status_log WHERE event_id = $1 AND is_terminal`,
            [eventId],
          );
          return rows[0]?.status;
        },
        'the prescriptions to end',
        60_000,
      );

    userDataDir = mkdtempSync(join(tmpdir(), 'esoz-console-chromium-'));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
      viewport: { width: 1200, height: 900 },
      locale: 'uk-UA',
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('load', async () => {
      pages.push({ name: page.url(), html: await page.content().catch(() => '') });
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await producer?.disconnect();
    await db?.end();
    await consoleApp?.close();
    await system?.close();
  });

  const snapshot = async (name: string) => {
    pages.push({ name, html: await page.content() });
    await page.screenshot({ path: join(SCREENSHOTS, `support-console-${name}.png`), fullPage: true });
  };

  it('the pipeline delivered the child’s prescription to the mother by SMS after Viber', async () => {
    const { rows } = await db.query(
      `SELECT status, channel, reason FROM notification_status_log WHERE event_id = $1 ORDER BY id`,
      [event.eventId],
    );
    expect(rows.map((row) => `${row.status}:${row.channel ?? ''}:${row.reason ?? ''}`)).toEqual([
      'RESOLVED::',
      'SENT:VIBER:',
      'FALLBACK:VIBER:UNDELIVERED',
      'SENT:SMS:',
      'DELIVERED:SMS:',
    ]);
  });

  it('sends a visit without a session to sign-in, for the search and for a record', async () => {
    await page.goto(`${CONSOLE}/notifications/${event.eventId}`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/notifications/${event.eventId}`);
    expect(await page.content()).not.toContain(event.payload.number!);
    await page.goto(`${CONSOLE}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await expect(page.locator('h1').textContent()).resolves.toBe('Вхід для працівників підтримки');
  });

  it('refuses a wrong password and signs in with the right one', async () => {
    await page.fill('#login', LOGIN);
    await page.fill('#password', 'not-the-password');
    await page.click('button[type=submit]');
    await expect(page.locator('.error').textContent()).resolves.toBe('Неправильний логін або пароль.');
    await snapshot('sign-in');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(page.locator('nav .who').textContent()).resolves.toContain(LOGIN);
  });

  it("finds the child's prescription by the mother's phone typed the local way", async () => {
    await page.fill('#q', local);
    await page.click('form.search button[type=submit]');
    const heading = await page.locator('h2').first().textContent();
    expect(heading).toContain(`за телефоном ${maskPhone(motherPhone)}`);
    const row = page.locator('table.results tbody tr', {
      has: page.locator(`a[href="/notifications/${event.eventId}"]`),
    });
    await expect(row.count()).resolves.toBe(1);
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('Електронний рецепт виписано');
    expect(text).toContain('Доставлено · SMS');
    expect(text).toContain('представник пацієнта');
    expect(text).toContain(maskPhone(motherPhone));
    // The typed phone is not put back into the box or the page.
    await expect(page.inputValue('#q')).resolves.toBe('');
    await snapshot('search');
  });

  it('opens the record: the mother as recipient and the Viber → SMS timeline in words', async () => {
    await page.click(`a[href="/notifications/${event.eventId}"]`);
    expect(new URL(page.url()).pathname).toBe(`/notifications/${event.eventId}`);
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).toContain('Електронний рецепт виписано № 0000-K8K5-5MTE-352H');
    expect(body).toContain(
      `Отримувач: представник пацієнта (у профілі пацієнта позначений як «мама») на телефон ${maskPhone(motherPhone)}`,
    );
    expect(body).toContain(`представник (довірена особа) пацієнта з ID ${child.id}`);
    const timeline = await page.locator('ol.timeline li').allTextContents();
    expect(timeline).toHaveLength(5);
    expect(timeline[0]).toContain('Порядок каналів: Viber → SMS.');
    expect(timeline[1]).toContain(`Надіслано у Viber на ${maskPhone(motherPhone)}`);
    expect(timeline[2]).toContain(
      'Viber не спрацював: оператор повідомив, що повідомлення не доставлено (телефон вимкнений або поза зоною). Тому надсилаємо SMS-повідомленням.',
    );
    expect(timeline[3]).toContain('Надіслано SMS-повідомленням');
    expect(timeline[4]).toContain('SMS: доставлено');
    expect(body).toMatch(
      /Доставлено SMS-повідомленням \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2} — через [\d.,]+ с/,
    );
    expect(body).toContain('пацієнтові менше 14 років — повідомляємо лише представника');
    await snapshot('detail');
  });

  it('finds the slip by its number typed without dashes, and says whether the doctor printed it', async () => {
    await page.click('nav a[href="/"]');
    await page.fill('#q', slipNumber.replace(/-/g, '').toLowerCase());
    await page.click('form.search button[type=submit]');
    await page.click(`a[href="/notifications/${slipEvent.eventId}"]`);
    let body = (await page.locator('main').textContent()) ?? '';
    expect(body).toContain('Довідка готова до друку');
    expect(body).toContain('сам пацієнт — за документами, без телефону');
    expect(body).toContain('Надруковано: ні — лікар ще не друкував її у МІС.');
    const printed = await fetch(`${system.url('info-slip-renderer')}/slips/${slipEvent.eventId}/printed`, {
      method: 'POST',
      headers: { authorization: `Bearer ${LOCAL_SECRETS.MIS_TOKEN}` },
    });
    expect(printed.status).toBe(204);
    await eventually(async () => {
      await page.reload();
      body = (await page.locator('main').textContent()) ?? '';
      return body.includes('Надруковано: так') ? true : undefined;
    }, 'the record to say printed');
    expect(body).toContain('Лікар надрукував інформаційну довідку.');
    await snapshot('slip');
  });

  it('shows the last 24 hours with charts', async () => {
    await page.click('nav a[href="/overview"]');
    await expect(page.locator('svg.chart').count()).resolves.toBe(3);
    const charts = (await page.locator('main').textContent()) ?? '';
    expect(charts).toContain('Чим закінчилися сповіщення, за каналами');
    expect(charts).toMatch(/SMS: оператор не доставив|Viber: оператор не доставив/);
    await snapshot('overview');
  });

  it('wrote the search and the opened record to the audit log, and support:audit lists them', async () => {
    const { rows } = await db.query(
      `SELECT action, query, event_ids::text[] AS event_ids FROM support_audit_log WHERE login = $1 ORDER BY id`,
      [LOGIN],
    );
    const actions = rows.map((row) => row.action);
    // Sign-in, the phone search and its record, the number search and the slip (opened once more per reload
    // while waiting for "printed"), the overview.
    expect(actions.slice(0, 6)).toEqual(['SIGN_IN_FAILED', 'SIGN_IN', 'SEARCH', 'OPEN', 'SEARCH', 'OPEN']);
    expect(actions.slice(6, -1).every((action) => action === 'OPEN')).toBe(true);
    expect(actions.at(-1)).toBe('OVERVIEW');
    expect(rows[4].query).toEqual({ kind: 'NUMBER', shown: slipNumber.replace(/-/g, '') });
    expect(rows[4].event_ids).toEqual([slipEvent.eventId]);
    expect(rows[2].query).toEqual({ kind: 'PHONE', shown: maskPhone(motherPhone) });
    expect(rows[2].event_ids).toContain(event.eventId);
    expect(rows[3].event_ids).toEqual([event.eventId]);
    const listed = await supportAudit(['--login', LOGIN, '--since', '1h'], loadSupportCliConfig(process.env));
    expect(listed.exitCode).toBe(0);
    // Newest first: the overview, the slip's records and search, then the phone search and its record.
    expect(listed.lines[1]).toContain('\tOVERVIEW\t');
    const search = listed.lines.find((line) => line.includes(`\tSEARCH\tPHONE ${maskPhone(motherPhone)}\t`));
    expect(search).toContain(`events=`);
    expect(search).toContain(event.eventId);
    expect(
      listed.lines.some((line) => line.includes(`\tOPEN\tEVENT ${event.eventId}\tevents=${event.eventId}`)),
    ).toBe(true);
    expect(listed.lines.join('\n')).not.toContain(local);
  });

  it('never put a code, a full phone or a credential into any page', async () => {
    expect(pages.length).toBeGreaterThanOrEqual(5);
    const scanner = new SecretScanner({
      codes: [code],
      phones: [motherPhone, childPhone],
      tokens: [SUPPORT_TOKEN, SUPPORT_SEARCH_KEY, PASSWORD],
    });
    // Ids and CSRF tokens are random and may hold four digits in a row; so may the overview's counts.
    const withoutRandom = (name: string, html: string) => {
      const text = html.replace(UUIDS, '<id>').replace(/name="_csrf" value="[^"]*"/g, '');
      return name === 'overview' ? text.replace(/>\d+</g, '><').replace(/\(\d+\)/g, '()') : text;
    };
    const findings = pages.flatMap(({ name, html }) => scanner.scan(name, withoutRandom(name, html)));
    expect(findings).toEqual([]);
  });

  it('signs out, after which the console is closed again', async () => {
    await page.click('nav button');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.goto(`${CONSOLE}/overview`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
  });
});

function childOf(mother: PersonSnapshot, ownPhone: string): PersonSnapshot {
  const base = adultWithOtp({ phone: ownPhone });
  const tenYearsAgo = `${new Date().getUTCFullYear() - 10}-03-15`;
  return {
    ...base,
    birthDate: tenYearsAgo,
    firstName: 'Марко',
    authenticationMethods: [
      { ...base.authenticationMethods[0], insertedAt: '2021-01-01T00:00:00Z' }, // own OTP: ignored under 14
      thirdPersonMethod(mother.id, '2021-02-01T00:00:00Z'),
    ],
    confidantPersons: [
      {
        personId: mother.id,
        relationType: 'PRIMARY',
        verificationStatus: 'VERIFIED',
        documentsRelationship: [{ type: 'BIRTH_CERTIFICATE', number: 'І-БК 123456' }],
      },
    ],
  };
}

/** A 4-digit code found in none of the values, so "absent from the page" cannot pass or fail by chance. */
function codeNotIn(...values: string[]): string {
  const fixed = [
    '0000-K8K5-5MTE-352H',
    '2026-11-23',
    '2026-12-23',
    '1985-04-12',
    String(new Date().getFullYear()),
  ];
  for (;;) {
    const code = String(1000 + Math.floor(Math.random() * 9000));
    if (![...values, ...fixed].some((value) => value.includes(code))) return code;
  }
}
