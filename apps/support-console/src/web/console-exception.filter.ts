import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import { InjectLogger } from '@app/runtime';
import type { Logger } from 'pino';
import { ResolverUnavailableError } from '../resolver/resolver-support.client';
import { errorPage } from '../views/pages';
import { CsrfRejected } from './csrf';
import { sendPage, type ConsoleRequest, type ConsoleResponse } from './http';
import { SignInRequired } from './session.guard';

/**
 * The console's pages answer errors with a page in Ukrainian and a fixed message: nothing the person typed
 * and nothing from inside (a phone may be in either) is repeated.
 */
@Catch()
export class ConsoleExceptionFilter implements ExceptionFilter {
  constructor(@InjectLogger() private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<ConsoleResponse>();
    const request = http.getRequest<ConsoleRequest>();
    const staff = request.staff
      ? { login: request.staff.login, csrfToken: request.staff.csrfToken }
      : undefined;
    if (error instanceof SignInRequired) {
      const next = error.next === '/' ? '' : `?next=${encodeURIComponent(error.next)}`;
      response.redirect(303, `/sign-in${next}`);
      return;
    }
    if (error instanceof CsrfRejected) {
      sendPage(
        response,
        errorPage(
          { staff },
          'Форму відхилено',
          'Форма застаріла або надіслана не з цієї сторінки. Оновіть сторінку й спробуйте ще раз.',
        ),
        403,
      );
      return;
    }
    if (error instanceof ResolverUnavailableError) {
      this.logger.warn({ why: error.why }, 'resolver support API unavailable');
      sendPage(
        response,
        errorPage(
          { staff },
          'Пошук тимчасово недоступний',
          'Сервіс сповіщень зараз не відповідає. Спробуйте за хвилину; якщо не минає — повідомте черговому інженеру.',
        ),
        503,
      );
      return;
    }
    if (error instanceof HttpException && error.getStatus() < 500) {
      const status = error.getStatus();
      sendPage(
        response,
        errorPage(
          { staff },
          status === 404 ? 'Не знайдено' : 'Запит відхилено',
          status === 404 ? 'Такої сторінки чи сповіщення немає.' : 'Запит не вдалося обробити.',
        ),
        status,
      );
      return;
    }
    this.logger.error({ err: error }, 'support console request failed');
    sendPage(
      response,
      errorPage({ staff }, 'Щось пішло не так', 'Запит не вдалося виконати. Спробуйте ще раз.'),
      500,
    );
  }
}
