import {
  Controller,
  Get,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  StreamableFile,
  UnauthorizedException,
  UseFilters,
} from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { DeliveryCommand, Topic } from '@app/contracts';
import { type InboundMessage, RethrowRpcErrorsFilter, type TopicBinding } from '@app/kafka';
import { bearerMatches, InjectConfig } from '@app/runtime';
import type { InfoSlipRendererConfig } from './info-slip-renderer.config';
import { SlipService } from './slip.service';

export const SLIP_BINDINGS: TopicBinding[] = [{ topic: Topic.DeliverySlip, schema: DeliveryCommand }];

const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Controller()
@UseFilters(RethrowRpcErrorsFilter)
export class SlipConsumer {
  constructor(private readonly slips: SlipService) {}

  @EventPattern(Topic.DeliverySlip)
  onCommands(@Payload() messages: InboundMessage<DeliveryCommand>[]): Promise<void> {
    return this.slips.accept(messages.map((message) => message.value));
  }
}

/** For the doctor's MIS (contract §9): download the slip, then say it was printed. */
@Controller('slips')
export class SlipController {
  constructor(
    private readonly slips: SlipService,
    @InjectConfig() private readonly config: InfoSlipRendererConfig,
  ) {}

  @Get(':file')
  async download(
    @Param('file') file: string,
    @Headers('authorization') authorization?: string,
  ): Promise<StreamableFile> {
    this.authorize(authorization);
    const eventId = file.endsWith('.pdf') ? file.slice(0, -4) : '';
    const pdf = EVENT_ID.test(eventId) ? await this.slips.pdf(eventId) : undefined;
    if (!pdf) throw new NotFoundException('no slip for this event');
    return new StreamableFile(pdf, {
      type: 'application/pdf',
      disposition: `inline; filename="slip-${eventId}.pdf"`,
    });
  }

  @Post(':eventId/printed')
  @HttpCode(204)
  async printed(
    @Param('eventId') eventId: string,
    @Headers('authorization') authorization?: string,
  ): Promise<void> {
    this.authorize(authorization);
    if (!EVENT_ID.test(eventId) || !(await this.slips.markPrinted(eventId)))
      throw new NotFoundException('no slip for this event');
  }

  private authorize(authorization: string | undefined): void {
    if (!bearerMatches(authorization, this.config.MIS_TOKEN)) throw new UnauthorizedException();
  }
}
