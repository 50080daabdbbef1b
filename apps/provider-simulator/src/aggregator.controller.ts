import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import type { TurboSmsSendResponse, TurboSmsStatusResponse } from '@app/providers';
import { SendRequestDto, StatusRequestDto } from './aggregator.dto';
import { ProviderTokenGuard } from './provider-token.guard';
import { SimulatorService } from './simulator.service';

/** The TurboSMS-style aggregator API the senders call (apps/provider-simulator/README.md). */
@Controller('message')
@UseGuards(ProviderTokenGuard)
export class AggregatorController {
  constructor(private readonly simulator: SimulatorService) {}

  @Post('send.json')
  @HttpCode(HttpStatus.OK)
  send(@Body() request: SendRequestDto): Promise<TurboSmsSendResponse> {
    return this.simulator.send(request);
  }

  @Post('status.json')
  @HttpCode(HttpStatus.OK)
  status(@Body() request: StatusRequestDto): Promise<TurboSmsStatusResponse> {
    return this.simulator.status(request);
  }
}
