import { html, type SafeHtml } from './html';

export interface PageContext {
  /** Absent on the sign-in page. */
  staff?: { login: string; csrfToken: string };
  active?: 'search' | 'overview';
}

export function layout(title: string, context: PageContext, body: SafeHtml): SafeHtml {
  const nav = context.staff
    ? html`<nav>
        <a href="/" class="${context.active === 'search' ? 'active' : ''}">Пошук</a>
        <a href="/overview" class="${context.active === 'overview' ? 'active' : ''}">Огляд за 24 години</a>
        <span class="who">Ви увійшли як <b>${context.staff.login}</b></span>
        <form method="post" action="/sign-out" class="inline">
          <input type="hidden" name="_csrf" value="${context.staff.csrfToken}" />
          <button type="submit" class="link">Вийти</button>
        </form>
      </nav>`
    : html``;
  return html`<!doctype html>
    <html lang="uk">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${title} · Підтримка сповіщень ЕСОЗ</title>
        <link rel="stylesheet" href="/assets/console.css" />
      </head>
      <body>
        <header>
          <a class="brand" href="/">ЕСОЗ · Підтримка сповіщень</a>
          ${nav}
        </header>
        <main>${body}</main>
        <footer>
          Коди підтвердження й повні номери телефонів тут не показуються ніколи. Кожен пошук і кожен
          переглянутий запис записуються в журнал аудиту.
        </footer>
      </body>
    </html>`;
}
