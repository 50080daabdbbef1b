import { Body, Controller, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { InjectConfig } from '@app/runtime';
import { AuthService, newToken } from '../staff/auth.service';
import type { SupportConsoleConfig } from '../support-console.config';
import { signInPage } from '../views/pages';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { CsrfGuard, sameOrigin, tokensMatch } from './csrf';
import {
  addressOf,
  cookiesOf,
  safeNext,
  sendPage,
  SESSION_COOKIE,
  SIGN_IN_CSRF_COOKIE,
  type ConsoleRequest,
  type ConsoleResponse,
  type CookieOptions,
} from './http';
import { SessionGuard } from './session.guard';

interface SignInForm {
  _csrf?: unknown;
  login?: unknown;
  password?: unknown;
  next?: unknown;
}

/**
 * Sign-in, per person. The sign-in form has no session yet, so its CSRF token is a double-submit cookie
 * (SameSite=Strict, HttpOnly) matched against the form field, plus the same-origin check.
 */
@Controller()
@UseFilters(ConsoleExceptionFilter)
export class AuthController {
  private readonly cookie: CookieOptions;

  constructor(
    private readonly auth: AuthService,
    @InjectConfig() private readonly config: SupportConsoleConfig,
  ) {
    this.cookie = { httpOnly: true, sameSite: 'strict', secure: config.secureCookies, path: '/' };
  }

  @Get('sign-in')
  async form(@Req() request: ConsoleRequest, @Res() response: ConsoleResponse, @Query('next') next?: string) {
    if (await this.auth.authenticate(cookiesOf(request)[SESSION_COOKIE])) {
      response.redirect(303, safeNext(next));
      return;
    }
    this.showForm(response, { next: safeNext(next) });
  }

  @Post('sign-in')
  async signIn(@Req() request: ConsoleRequest, @Res() response: ConsoleResponse, @Body() form: SignInForm) {
    const next = safeNext(form.next);
    const login = typeof form.login === 'string' ? form.login : '';
    if (!sameOrigin(request) || !tokensMatch(cookiesOf(request)[SIGN_IN_CSRF_COOKIE], form._csrf)) {
      this.showForm(response, { next, login, error: 'Форма застаріла. Спробуйте ще раз.' }, 403);
      return;
    }
    const password = typeof form.password === 'string' ? form.password : '';
    const outcome = await this.auth.signIn(login, password, addressOf(request));
    if (outcome.kind === 'THROTTLED') {
      response.set('Retry-After', String(outcome.retryAfterSeconds));
      const minutes = Math.ceil(outcome.retryAfterSeconds / 60);
      this.showForm(
        response,
        { next, login, error: `Забагато невдалих спроб. Спробуйте через ${minutes} хв.` },
        429,
      );
      return;
    }
    if (outcome.kind === 'INVALID') {
      this.showForm(response, { next, login, error: 'Неправильний логін або пароль.' }, 401);
      return;
    }
    response.clearCookie(SIGN_IN_CSRF_COOKIE, this.cookie);
    response.cookie(SESSION_COOKIE, outcome.token, {
      ...this.cookie,
      maxAge: this.config.SESSION_MAX_SECONDS * 1000,
    });
    response.redirect(303, next);
  }

  @Post('sign-out')
  @UseGuards(SessionGuard, CsrfGuard)
  async signOut(@Req() request: ConsoleRequest, @Res() response: ConsoleResponse) {
    await this.auth.signOut(request.staff!, addressOf(request));
    response.clearCookie(SESSION_COOKIE, this.cookie);
    response.redirect(303, '/sign-in');
  }

  private showForm(
    response: ConsoleResponse,
    options: { next: string; login?: string; error?: string },
    status = 200,
  ): void {
    const csrf = newToken();
    response.cookie(SIGN_IN_CSRF_COOKIE, csrf, { ...this.cookie, maxAge: 3600_000 });
    sendPage(
      response,
      signInPage({
        csrf,
        next: options.next === '/' ? undefined : options.next,
        login: options.login,
        error: options.error,
      }),
      status,
    );
  }
}
