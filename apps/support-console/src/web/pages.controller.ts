import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { SupportConsoleService } from '../search/support-console.service';
import { detailPage, overviewPage, searchPage } from '../views/pages';
import { CONSOLE_CSS } from '../views/console.css';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { CsrfGuard } from './csrf';
import { addressOf, sendPage, type ConsoleRequest, type ConsoleResponse } from './http';
import { SessionGuard } from './session.guard';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const pageContext = (request: ConsoleRequest) => ({
  staff: { login: request.staff!.login, csrfToken: request.staff!.csrfToken },
});

/**
 * Search, detail and overview. The search is a POST: a phone never goes into a URL (browser history, proxy
 * logs, Referer), and the page repeats it only masked.
 */
@Controller()
@UseGuards(SessionGuard)
@UseFilters(ConsoleExceptionFilter)
export class PagesController {
  constructor(private readonly support: SupportConsoleService) {}

  @Get()
  home(@Req() request: ConsoleRequest, @Res() response: ConsoleResponse): void {
    sendPage(response, searchPage(pageContext(request)));
  }

  @Post('search')
  @UseGuards(CsrfGuard)
  async search(
    @Req() request: ConsoleRequest,
    @Res() response: ConsoleResponse,
    @Body('q') q: unknown,
  ): Promise<void> {
    const result = await this.support.search(
      request.staff!,
      typeof q === 'string' ? q : '',
      addressOf(request),
    );
    sendPage(response, searchPage(pageContext(request), result));
  }

  @Get('notifications/:eventId')
  async detail(
    @Req() request: ConsoleRequest,
    @Res() response: ConsoleResponse,
    @Param('eventId') eventId: string,
  ): Promise<void> {
    if (!UUID.test(eventId)) throw new NotFoundException();
    const detail = await this.support.open(request.staff!, eventId.toLowerCase(), addressOf(request));
    if (!detail) throw new NotFoundException();
    sendPage(response, detailPage(pageContext(request), detail));
  }

  @Get('overview')
  async overview(@Req() request: ConsoleRequest, @Res() response: ConsoleResponse): Promise<void> {
    sendPage(
      response,
      overviewPage(pageContext(request), await this.support.overview(request.staff!, addressOf(request))),
    );
  }
}

@Controller('assets')
export class AssetsController {
  @Get('console.css')
  css(@Res() response: ConsoleResponse): void {
    response
      .status(200)
      .set({
        'Content-Type': 'text/css; charset=utf-8',
        'Cache-Control': 'public, max-age=3600',
        'X-Content-Type-Options': 'nosniff',
      })
      .send(CONSOLE_CSS);
  }
}
