import { Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { IsIn } from 'class-validator';
import { InjectGateway } from '@app/runtime';
import { DiiaBehaviour, type DiiaPush, DiiaStubGateway } from './diia-stub.gateway';
import { ParseTaxIdPipe, ValidatedBody } from './validation';

export class SetDiiaBehaviour {
  @IsIn(Object.values(DiiaBehaviour)) diia!: DiiaBehaviour;
}

/** Control API of contract §7 for tests and demos. */
@Controller('__control')
export class DiiaControlController {
  constructor(@InjectGateway() private readonly gateway: DiiaStubGateway) {}

  @Put('recipients/:taxId')
  @HttpCode(204)
  setBehaviour(
    @Param('taxId', ParseTaxIdPipe) taxId: string,
    @ValidatedBody(SetDiiaBehaviour) body: SetDiiaBehaviour,
  ): void {
    this.gateway.setBehaviour(taxId, body.diia);
  }

  @Get('messages')
  messages(): DiiaPush[] {
    return this.gateway.list();
  }

  @Delete()
  @HttpCode(204)
  reset(): void {
    this.gateway.reset();
  }
}
