import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';

/**
 * Nest's default RPC filter turns every unknown error into `{ status: 'error' }`, losing its type. The
 * batch transport decides retry vs dead-letter by type, so errors must reach it unchanged. Apply it with
 * `@UseFilters(RethrowRpcErrorsFilter)` on each consumer controller: in a hybrid app the microservice is
 * already initialised when it is connected, so a global RPC filter registered then is not applied.
 */
@Catch()
export class RethrowRpcErrorsFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
