import { All, Body, Controller, HttpCode, HttpStatus, Query, Res } from '@nestjs/common';
import type { SmscBalanceAnswer, SmscErrorAnswer, SmscSendSuccess, SmscStatusAnswer } from '@app/providers';
import { SimulatorService, type ClosesOnDisconnect } from './simulator.service';

type Params = Record<string, unknown>;

/**
 * SMSC.ua's HTTP API (https://smsc.ua/api/http/): `GET` or `POST` to `/sys/<method>.php`, parameters in the
 * query or a form body, account `login` and `psw` among them, JSON answers for `fmt=3`. Every answer is
 * HTTP 200, errors included (`{ error, error_code }`), unless the simulated provider is down.
 */
@Controller('sys')
export class SmscController {
  constructor(private readonly simulator: SimulatorService) {}

  @All('send.php')
  @HttpCode(HttpStatus.OK)
  send(
    @Query() query: Params,
    @Body() body: Params | undefined,
    @Res({ passthrough: true }) response: ClosesOnDisconnect,
  ): Promise<SmscSendSuccess | SmscErrorAnswer> {
    return this.simulator.smscSend(merged(query, body), response);
  }

  @All('status.php')
  @HttpCode(HttpStatus.OK)
  status(
    @Query() query: Params,
    @Body() body: Params | undefined,
    @Res({ passthrough: true }) response: ClosesOnDisconnect,
  ): Promise<SmscStatusAnswer | SmscErrorAnswer> {
    return this.simulator.smscStatus(merged(query, body), response);
  }

  @All('balance.php')
  @HttpCode(HttpStatus.OK)
  balance(
    @Query() query: Params,
    @Body() body: Params | undefined,
    @Res({ passthrough: true }) response: ClosesOnDisconnect,
  ): Promise<SmscBalanceAnswer | SmscErrorAnswer> {
    return this.simulator.smscBalance(merged(query, body), response);
  }
}

/** Query and form together (a form field wins); only string values count. */
function merged(query: Params, body: Params | undefined): Params {
  const form = body && typeof body === 'object' && !Array.isArray(body) ? body : {};
  return { ...query, ...form };
}
