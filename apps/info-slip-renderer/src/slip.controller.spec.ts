import 'reflect-metadata';
import { NotFoundException, StreamableFile, UnauthorizedException } from '@nestjs/common';
import { loadInfoSlipRendererConfig } from './info-slip-renderer.config';
import { SlipController } from './slip.controller';
import type { SlipService } from './slip.service';

const EVENT_ID = '3f1c2a4e-8b7d-4c1a-9e2f-0a1b2c3d4e5f';
const PDF = Buffer.from('%PDF-1.7 fake');

function controllerWith(known: string[] = [EVENT_ID], env: Record<string, string> = {}) {
  const slips = {
    pdf: jest.fn(async (eventId: string) => (known.includes(eventId) ? PDF : undefined)),
    markPrinted: jest.fn(async (eventId: string) => known.includes(eventId)),
  };
  const controller = new SlipController(
    slips as unknown as SlipService,
    loadInfoSlipRendererConfig({ PORT: '0', ...env }),
  );
  return { controller, slips };
}

const BAD_AUTHORIZATION = [
  undefined,
  '',
  'Bearer',
  'Bearer ',
  'bearer local-mis-token',
  'Basic local-mis-token',
  'local-mis-token',
  'Bearer local-mis-token ',
  'Bearer local-mis-tokeN',
  'Bearer local-mis-token-and-more',
];

describe('SlipController', () => {
  it('uses local-mis-token when MIS_TOKEN is not set (local mode)', async () => {
    const { controller } = controllerWith();
    await expect(controller.download(`${EVENT_ID}.pdf`, 'Bearer local-mis-token')).resolves.toBeInstanceOf(
      StreamableFile,
    );
  });

  it('accepts only the configured token once MIS_TOKEN is set', async () => {
    const { controller } = controllerWith([EVENT_ID], { MIS_TOKEN: 'configured-secret' });
    await expect(controller.download(`${EVENT_ID}.pdf`, 'Bearer local-mis-token')).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    await expect(controller.download(`${EVENT_ID}.pdf`, 'Bearer configured-secret')).resolves.toBeInstanceOf(
      StreamableFile,
    );
  });

  it.each(BAD_AUTHORIZATION.map((header) => [JSON.stringify(header), header]))(
    'answers 401 to authorization %s before looking anything up',
    async (_label, header) => {
      const { controller, slips } = controllerWith();
      await expect(controller.download(`${EVENT_ID}.pdf`, header)).rejects.toBeInstanceOf(
        UnauthorizedException,
      );
      await expect(controller.printed(EVENT_ID, header)).rejects.toBeInstanceOf(UnauthorizedException);
      // Unknown ids too: without a token nobody learns whether a slip exists.
      await expect(controller.download('nothing.pdf', header)).rejects.toBeInstanceOf(UnauthorizedException);
      expect(slips.pdf).not.toHaveBeenCalled();
      expect(slips.markPrinted).not.toHaveBeenCalled();
    },
  );

  it('serves the PDF inline as application/pdf', async () => {
    const { controller, slips } = controllerWith();
    const file = await controller.download(`${EVENT_ID}.pdf`, 'Bearer local-mis-token');
    expect(slips.pdf).toHaveBeenCalledWith(EVENT_ID);
    expect(file.getHeaders()).toEqual({
      type: 'application/pdf',
      disposition: `inline; filename="slip-${EVENT_ID}.pdf"`,
      length: PDF.length,
    });
  });

  it('answers 404 for an unknown event id', async () => {
    const { controller } = controllerWith([]);
    await expect(controller.download(`${EVENT_ID}.pdf`, 'Bearer local-mis-token')).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await expect(controller.printed(EVENT_ID, 'Bearer local-mis-token')).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  it.each([
    'not-an-event-id.pdf',
    EVENT_ID, // no .pdf
    `${EVENT_ID}.png`,
    `${EVENT_ID.slice(0, -1)}.pdf`,
    `${EVENT_ID}x.pdf`,
    `x${EVENT_ID}.pdf`,
    `${EVENT_ID}.pdf.pdf`,
  ])('answers 404 for the malformed file name %s without a database lookup', async (file) => {
    const { controller, slips } = controllerWith();
    await expect(controller.download(file, 'Bearer local-mis-token')).rejects.toBeInstanceOf(
      NotFoundException,
    );
    expect(slips.pdf).not.toHaveBeenCalled();
  });

  it('marks a known slip printed and answers 404 for a malformed id without a lookup', async () => {
    const { controller, slips } = controllerWith();
    await expect(controller.printed(EVENT_ID, 'Bearer local-mis-token')).resolves.toBeUndefined();
    expect(slips.markPrinted).toHaveBeenCalledWith(EVENT_ID);
    slips.markPrinted.mockClear();
    await expect(controller.printed('not-an-event-id', 'Bearer local-mis-token')).rejects.toBeInstanceOf(
      NotFoundException,
    );
    expect(slips.markPrinted).not.toHaveBeenCalled();
  });
});
