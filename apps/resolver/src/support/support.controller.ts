import {
  BadRequestException,
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Query,
  UseGuards,
} from '@nestjs/common';
import type { SupportNotificationDetail, SupportOverview, SupportSearchResult } from '@app/contracts';
import { parseSearchQuery, SearchQueryError } from './search-query';
import { SupportService } from './support.service';
import { SupportTokenGuard } from './support-token.guard';

/** For the support line: "I did not get my code". Search, one notification in full; phones masked, no codes. */
@Controller('notifications')
@UseGuards(SupportTokenGuard)
export class SupportController {
  constructor(private readonly support: SupportService) {}

  @Get()
  async search(@Query() query: Record<string, unknown>): Promise<SupportSearchResult> {
    try {
      return { items: await this.support.find(parseSearchQuery(query)) };
    } catch (error) {
      if (error instanceof SearchQueryError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  @Get(':eventId')
  async show(@Param('eventId', new ParseUUIDPipe()) eventId: string): Promise<SupportNotificationDetail> {
    const detail = await this.support.detail(eventId);
    if (!detail) throw new NotFoundException();
    return detail;
  }
}

/** Last hours at a glance: terminal statuses by channel, fallbacks by reason, time to delivery. */
@Controller('support')
@UseGuards(SupportTokenGuard)
export class SupportOverviewController {
  constructor(private readonly support: SupportService) {}

  @Get('overview')
  overview(@Query('hours') hours?: string): Promise<SupportOverview> {
    const value = hours === undefined ? 24 : Number(hours);
    if (!/^\d{1,3}$/.test(hours ?? '24') || value < 1 || value > 168)
      throw new BadRequestException('hours must be an integer from 1 to 168');
    return this.support.overview(value);
  }
}
