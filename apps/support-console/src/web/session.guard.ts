import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthService } from '../staff/auth.service';
import { cookiesOf, SESSION_COOKIE, type ConsoleRequest } from './http';

/** Thrown when a page needs a signed-in person and there is none: the filter sends the browser to sign in. */
export class SignInRequired extends Error {
  constructor(readonly next: string) {
    super('sign-in required');
  }
}

@Injectable()
export class SessionGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    const staff = await this.auth.authenticate(cookiesOf(request)[SESSION_COOKIE]);
    if (!staff) throw new SignInRequired(request.method === 'GET' ? request.path : '/');
    request.staff = staff;
    return true;
  }
}
