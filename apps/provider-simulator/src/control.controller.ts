import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Put,
  Query,
} from '@nestjs/common';
import type { OutageState, RecipientBehaviours } from './behaviours';
import { OutageDto, ProviderOutageDto, RecipientBehaviourDto } from './control.dto';
import { ParsePhonePipe } from './phone.pipe';
import { isProviderName, PROVIDER_NAMES, type ProviderName, type ProviderView } from './providers';
import { SimulatorService, type ControlMessageView } from './simulator.service';

/** Control API for tests and demos (architecture.md §7). Dev/test only, like the whole app. */
@Controller('__control')
export class ControlController {
  constructor(private readonly simulator: SimulatorService) {}

  @Put('recipients/:phone')
  setRecipient(
    @Param('phone', new ParsePhonePipe()) phone: string,
    @Body() behaviour: RecipientBehaviourDto,
  ): RecipientBehaviours & { phone: string } {
    return this.simulator.setRecipientBehaviour(phone, behaviour);
  }

  @Get('messages')
  listMessages(@Query('phone', new ParsePhonePipe({ optional: true })) phone?: string): ControlMessageView[] {
    return this.simulator.listMessages(phone);
  }

  @Put('outage')
  setOutage(@Body() outage: OutageDto): OutageState {
    return this.simulator.setOutage(outage);
  }

  /** Contract §11.4: the provider names. */
  @Get('providers')
  providers(): ProviderName[] {
    return [...PROVIDER_NAMES];
  }

  @Get('providers/:name')
  provider(@Param('name') name: string): ProviderView {
    return this.simulator.provider(known(name));
  }

  /** `{ "outage": "ERROR_5XX" | "TIMEOUT" | null }` takes one provider down or brings it back. */
  @Put('providers/:name')
  setProvider(@Param('name') name: string, @Body() body: ProviderOutageDto): ProviderView {
    return this.simulator.setProviderOutage(known(name), body.outage);
  }

  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  reset(): void {
    this.simulator.reset();
  }
}

function known(name: string): ProviderName {
  if (!isProviderName(name)) throw new NotFoundException('unknown provider');
  return name;
}
