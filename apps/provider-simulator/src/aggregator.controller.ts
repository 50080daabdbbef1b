import { Body, Controller, HttpCode, HttpStatus, Post, Res, UseGuards } from '@nestjs/common';
import type { TurboSmsBalanceResponse, TurboSmsSendResponse, TurboSmsStatusResponse } from '@app/providers';
import { SendRequestDto, StatusRequestDto } from './aggregator.dto';
import { ProviderTokenGuard } from './provider-token.guard';
import { SimulatorService, type ClosesOnDisconnect } from './simulator.service';

/** The TurboSMS-style aggregator API the senders call (apps/provider-simulator/README.md). */
@Controller()
@UseGuards(ProviderTokenGuard)
export class AggregatorController {
  constructor(private readonly simulator: SimulatorService) {}

  @Post('message/send.json')
  @HttpCode(HttpStatus.OK)
  send(
    @Body() request: SendRequestDto,
    @Res({ passthrough: true }) response: ClosesOnDisconnect,
  ): Promise<TurboSmsSendResponse> {
    return this.simulator.send(request, response);
  }

  @Post('message/status.json')
  @HttpCode(HttpStatus.OK)
  status(
    @Body() request: StatusRequestDto,
    @Res({ passthrough: true }) response: ClosesOnDisconnect,
  ): Promise<TurboSmsStatusResponse> {
    return this.simulator.status(request, response);
  }

  @Post('user/balance.json')
  @HttpCode(HttpStatus.OK)
  balance(@Res({ passthrough: true }) response: ClosesOnDisconnect): Promise<TurboSmsBalanceResponse> {
    return this.simulator.turboBalance(response);
  }
}
