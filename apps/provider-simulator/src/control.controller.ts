import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put, Query } from '@nestjs/common';
import type { OutageState, RecipientBehaviours } from './behaviours';
import { OutageDto, RecipientBehaviourDto } from './control.dto';
import { ParsePhonePipe } from './phone.pipe';
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

  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  reset(): void {
    this.simulator.reset();
  }
}
