import type { SupportNotificationDetail, SupportOverview, SupportSearchItem } from '@app/contracts';
import { bars, stackedBars, type Segment } from './charts';
import { duration, html, kyivTime, type SafeHtml } from './html';
import { layout, type PageContext } from './layout';
import { recipientPhrase, summary, terminalOf, timelineStory, toneOf } from './story';
import {
  channelWords,
  deliveryWords,
  methodWords,
  QUERY_KIND_WORDS,
  reasonWords,
  shortReasonWords,
  statusWords,
  typeWords,
  whyWords,
} from './words';

export function signInPage(options: {
  csrf: string;
  next?: string;
  error?: string;
  login?: string;
}): SafeHtml {
  return layout(
    'Вхід',
    {},
    html`<section class="card narrow">
      <h1>Вхід для працівників підтримки</h1>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      <form method="post" action="/sign-in">
        <input type="hidden" name="_csrf" value="${options.csrf}" />
        ${options.next ? html`<input type="hidden" name="next" value="${options.next}" />` : ''}
        <label for="login">Логін</label>
        <input
          id="login"
          name="login"
          autocomplete="username"
          required
          maxlength="64"
          value="${options.login ?? ''}"
        />
        <label for="password">Пароль</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          maxlength="256"
        />
        <button type="submit">Увійти</button>
      </form>
      <p class="hint">
        Обліковий запис створює адміністратор: <code>npm run support:user -- add &lt;логін&gt;</code>.
      </p>
    </section>`,
  );
}

function searchForm(context: PageContext & { staff: { csrfToken: string } }): SafeHtml {
  return html`<form method="post" action="/search" class="search">
    <input type="hidden" name="_csrf" value="${context.staff.csrfToken}" />
    <label for="q">Телефон, номер рецепта чи направлення, або ID події чи особи</label>
    <div class="row">
      <input
        id="q"
        name="q"
        required
        maxlength="100"
        autocomplete="off"
        placeholder="0XX XXX XX XX · 0000-XXXX-XXXX-XXXX · ID"
      />
      <button type="submit">Знайти</button>
    </div>
    <p class="hint">Телефон — у будь-якому записі: 0XXXXXXXXX, +380XXXXXXXXX, +38 (0XX) XXX-XX-XX.</p>
  </form>`;
}

export function searchPage(
  context: PageContext & { staff: { login: string; csrfToken: string } },
  result?: { shown: { kind: string; shown?: string }; items: SupportSearchItem[] },
): SafeHtml {
  return layout(
    'Пошук',
    { ...context, active: 'search' },
    html`<section class="card">
        <h1>Пошук сповіщення</h1>
        ${searchForm(context)}
      </section>
      ${result ? resultsSection(result) : ''}`,
  );
}

function resultsSection(result: {
  shown: { kind: string; shown?: string };
  items: SupportSearchItem[];
}): SafeHtml {
  const { shown, items } = result;
  if (shown.kind === 'EMPTY' || shown.kind === 'UNRECOGNISED')
    return html`<section class="card">
      <p class="error" role="alert">
        Не вдалося розпізнати запит. Введіть телефон (наприклад, 0XXXXXXXXX), номер рецепта чи направлення
        (0000-XXXX-XXXX-XXXX) або ID.
      </p>
    </section>`;
  const asked = html`${QUERY_KIND_WORDS[shown.kind] ?? ''} <b>${shown.shown}</b>`;
  if (items.length === 0)
    return html`<section class="card">
      <h2>Нічого не знайдено ${asked}</h2>
      <p>Перевірте запис або спробуйте інший спосіб пошуку (номер рецепта, ID особи).</p>
    </section>`;
  return html`<section class="card">
    <h2>
      Знайдено ${items.length} ${plural(items.length, 'сповіщення', 'сповіщення', 'сповіщень')} ${asked}
    </h2>
    <p class="hint">Найновіші вгорі.</p>
    <table class="results">
      <thead>
        <tr>
          <th>Коли</th>
          <th>Що</th>
          <th>Чим закінчилося</th>
          <th>Отримувач</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (item) =>
            html`<tr>
              <td>${kyivTime(item.occurredAt)}</td>
              <td>${typeWords(item.type)}</td>
              <td>
                <span class="badge ${toneOf(item.status)}"
                  >${statusWords(item.status)}${item.channel ? html` · ${channelWords(item.channel)}` : ''}</span
                >${item.reason ? html`<div class="small">${reasonWords(item.reason)}</div>` : ''}
              </td>
              <td>
                ${item.recipient ? html`${item.recipient.role === 'REPRESENTATIVE' ? 'представник пацієнта' : 'пацієнт'}${item.recipient.maskedPhone ? html`<div class="small">${item.recipient.maskedPhone}</div>` : ''}` : html`<span class="small">не визначено</span>`}
              </td>
              <td><a class="open" href="/notifications/${item.eventId}">Відкрити</a></td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

export function detailPage(
  context: PageContext & { staff: { login: string; csrfToken: string } },
  detail: SupportNotificationDetail,
): SafeHtml {
  const terminal = terminalOf(detail);
  const status = terminal?.status ?? detail.timeline.at(-1)?.status;
  const decision = detail.decision;
  const recipient = decision?.recipient;
  const showSlip = detail.slip !== null || (decision?.plan ?? []).includes('SLIP');
  return layout(
    typeWords(detail.type),
    { ...context, active: 'search' },
    html`<section class="card">
        <p class="crumbs"><a href="/">← До пошуку</a></p>
        <h1>
          ${typeWords(detail.type)}${detail.number ? html` <span class="number">№ ${detail.number}</span>` : ''}
        </h1>
        <p>
          <span class="badge big ${toneOf(status)}"
            >${statusWords(status)}${terminal?.channel ? html` · ${channelWords(terminal.channel)}` : ''}</span
          >
        </p>
        <h2>Коротко</h2>
        <ul class="summary">
          ${summary(detail).map((line) => html`<li>${line}</li>`)}
        </ul>
      </section>

      <section class="card">
        <h2>Хто отримав</h2>
        ${
          recipient
            ? html`<dl class="facts">
                <dt>Отримувач</dt>
                <dd>${recipientPhrase(detail)}</dd>
                <dt>Роль</dt>
                <dd>
                  ${recipient.role === 'REPRESENTATIVE' ? html`представник (довірена особа) пацієнта з ID <code>${detail.subjectPersonId}</code>` : 'сам пацієнт'}
                </dd>
                <dt>ID отримувача</dt>
                <dd><code>${recipient.personId}</code></dd>
                <dt>Спосіб</dt>
                <dd>
                  ${methodWords(decision?.method?.type)}${decision?.method?.via ? ' — через спосіб автентифікації «через представника» у профілі пацієнта' : ''}
                </dd>
                <dt>Канали за планом</dt>
                <dd>${(decision?.plan ?? []).map(channelWords).join(' → ') || '—'}</dd>
              </dl>`
            : html`<p>
                ${decision?.reason ? html`Отримувача не визначено: ${reasonWords(decision.reason)}.` : 'Отримувача ще не визначено.'}
              </p>`
        }
      </section>

      <section class="card">
        <h2>Що відбувалося</h2>
        <ol class="timeline">
          ${timelineStory(detail).map(
            (line) => html`<li class="${line.tone}"><time>${kyivTime(line.at)}</time> ${line.text}</li>`,
          )}
        </ol>
        ${detail.timeline.length === 0 ? html`<p>Подію отримано, але кроків ще немає (очікуємо дані про пацієнта).</p>` : ''}
      </section>

      ${
        detail.deliveries.length
          ? html`<section class="card">
              <h2>Спроби доставки</h2>
              <table>
                <thead>
                  <tr>
                    <th>Канал</th>
                    <th>Результат</th>
                    <th>Спроб</th>
                    <th>Причина</th>
                    <th>Почато</th>
                    <th>Завершено</th>
                  </tr>
                </thead>
                <tbody>
                  ${detail.deliveries.map(
                    (delivery) =>
                      html`<tr>
                        <td>${channelWords(delivery.channel)}</td>
                        <td>
                          ${deliveryWords(delivery.state)}${delivery.lateReport ? html`<div class="small">пізній звіт: ${statusWords(delivery.lateReport === 'DELIVERED' ? 'DELIVERED' : 'FAILED').toLowerCase()}</div>` : ''}
                        </td>
                        <td>${delivery.attempts}</td>
                        <td>${reasonWords(delivery.lastError) || '—'}</td>
                        <td>${kyivTime(delivery.createdAt)}</td>
                        <td>${kyivTime(delivery.finishedAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </section>`
          : ''
      }
      ${
        showSlip
          ? html`<section class="card">
              <h2>Інформаційна довідка</h2>
              ${
                detail.slip
                  ? html`<p>
                      Довідку сформовано ${kyivTime(detail.slip.readyAt)}.
                      ${detail.slip.printedAt ? html`Надруковано: <b>так</b>, ${kyivTime(detail.slip.printedAt)}.` : html`Надруковано: <b>ні</b> — лікар ще не друкував її у МІС.`}
                    </p>`
                  : html`<p>Довідку ще не сформовано.</p>`
              }
            </section>`
          : ''
      }
      ${
        decision?.explanation?.length
          ? html`<section class="card">
              <h2>Чому саме цей спосіб</h2>
              <ul class="explanation">
                ${decision.explanation.map(
                  (step) =>
                    html`<li class="${step.verdict === 'CHOSEN' ? 'ok' : ''}">
                      ${methodWords(step.type) || 'спосіб'}${step.confidantMethodType ? ` (у представника: ${methodWords(step.confidantMethodType)})` : ''}:
                      ${whyWords(step.why)}.
                    </li>`,
                )}
              </ul>
            </section>`
          : ''
      }

      <section class="card small">
        <h2>Для розробників</h2>
        <dl class="facts">
          <dt>ID події</dt>
          <dd><code>${detail.eventId}</code></dd>
          <dt>ID сповіщення</dt>
          <dd><code>${detail.notificationId ?? '—'}</code></dd>
          <dt>ID пацієнта</dt>
          <dd><code>${detail.subjectPersonId ?? '—'}</code></dd>
          <dt>Стан</dt>
          <dd><code>${detail.state ?? '—'}</code></dd>
        </dl>
      </section>`,
  );
}

const STATUS_TONES: [string, string][] = [
  ['DELIVERED', 'ok'],
  ['SLIP_READY', 'slip'],
  ['FAILED', 'bad'],
  ['EXPIRED', 'warn'],
  ['SKIPPED', 'none'],
  ['REJECTED', 'dark'],
];

export function overviewPage(
  context: PageContext & { staff: { login: string; csrfToken: string } },
  overview: SupportOverview,
): SafeHtml {
  const channels = [...new Set(overview.terminal.map((row) => row.channel))].sort(
    (a, b) => CHANNEL_ORDER.indexOf(a) - CHANNEL_ORDER.indexOf(b),
  );
  const terminalRows = channels.map((channel) => ({
    label: channelWords(channel),
    segments: STATUS_TONES.map(([status, tone]): Segment => ({
      label: statusWords(status),
      tone,
      value: overview.terminal.find((row) => row.channel === channel && row.status === status)?.count ?? 0,
    })),
  }));
  const fallbackRows = overview.fallbacks.map((row) => {
    const rate = overview.finished ? row.count / overview.finished : 0;
    return {
      label: `${channelWords(row.channel)}: ${shortReasonWords(row.reason)}`,
      value: rate,
      display: `${(rate * 100).toFixed(1).replace('.', ',')} % (${row.count})`,
      tone: 'warn',
    };
  });
  const p95Rows = overview.timeToDelivery.map((row) => ({
    label: channelWords(row.channel),
    value: row.p95Seconds,
    display: `${duration(row.p95Seconds)} · медіана ${duration(row.p50Seconds)} · ${row.count}`,
    tone: row.channel === 'ALL' ? 'dark' : 'ok',
  }));
  const total = overview.terminal.reduce((sum, row) => sum + row.count, 0);
  return layout(
    'Огляд за 24 години',
    { ...context, active: 'overview' },
    html`<section class="card">
        <h1>Огляд за останні 24 години</h1>
        <p class="hint">
          З ${kyivTime(overview.since)} до ${kyivTime(overview.until)} (за київським часом). Завершено
          сповіщень: <b>${total}</b>.
        </p>
      </section>
      <section class="card">
        <h2>Чим закінчилися сповіщення, за каналами</h2>
        <p class="legend">
          ${STATUS_TONES.map(([status, tone]) => html`<span class="key ${tone}"></span>${statusWords(status)} `)}
        </p>
        ${stackedBars('Завершені сповіщення за каналами', terminalRows)}
        <table class="small">
          <thead>
            <tr>
              <th>Канал</th>
              ${STATUS_TONES.map(([status]) => html`<th>${statusWords(status)}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${terminalRows.map(
              (row) =>
                html`<tr>
                  <td>${row.label}</td>
                  ${row.segments.map((segment) => html`<td>${segment.value}</td>`)}
                </tr>`,
            )}
          </tbody>
        </table>
      </section>
      <section class="card">
        <h2>Переходи на інший канал, за причиною</h2>
        <p class="hint">Частка від усіх завершених сповіщень за цей час.</p>
        ${bars('Частка переходів на інший канал за причиною', fallbackRows, { labelWidth: 280 })}
      </section>
      <section class="card">
        <h2>Час до доставки (95-й процентиль)</h2>
        <p class="hint">
          Від надходження події до підтвердження доставки; 95 % сповіщень доставлено не довше за цей час.
        </p>
        ${bars('Час до доставки, p95, за каналами', p95Rows)}
      </section>`,
  );
}

const CHANNEL_ORDER = ['DIIA', 'VIBER', 'SMS', 'SLIP', 'NONE'];

export function errorPage(context: PageContext, title: string, message: string): SafeHtml {
  return layout(
    title,
    context,
    html`<section class="card narrow">
      <h1>${title}</h1>
      <p>${message}</p>
      <p><a href="/">На головну</a></p>
    </section>`,
  );
}

function plural(count: number, one: string, few: string, many: string): string {
  const mod10 = count % 10;
  const mod100 = count % 100;
  if (mod10 === 1 && mod100 !== 11) return one;
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return few;
  return many;
}
