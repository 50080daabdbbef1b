import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import type {
  TurboSmsSendRequest,
  TurboSmsSmsPart,
  TurboSmsStatusRequest,
  TurboSmsViberPart,
} from '@app/providers';

export class ViberPartDto implements TurboSmsViberPart {
  @IsString() @Length(1, 64) sender!: string;
  /** Viber's limit (research/domain.md §8.1). */
  @IsString() @Length(1, 1000) text!: string;
  @IsOptional() @IsInt() @Min(30) @Max(1_209_600) ttl?: number;
}

export class SmsPartDto implements TurboSmsSmsPart {
  @IsString() @Length(1, 64) sender!: string;
  @IsString() @Length(1, 1000) text!: string;
}

/** Fails when `other` is present too: one channel per call, the cascade is the caller's. */
function NotTogetherWith(other: string): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'notTogetherWith',
      target: target.constructor,
      propertyName: propertyName.toString(),
      constraints: [other],
      options: { message: `send either ${other} or $property, not both (hybrid delivery is not simulated)` },
      validator: {
        validate: (_value: unknown, args: ValidationArguments) =>
          (args.object as Record<string, unknown>)[other] === undefined,
      },
    });
}

export class SendRequestDto implements TurboSmsSendRequest {
  // The format of each phone is checked per recipient (a bad one is answered 305 INVALID_PHONE, like the provider).
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(20, { each: true })
  recipients!: string[];

  // Validated when present, and also when `sms` is missing, so "neither" gets a clear message.
  @ValidateIf((request: SendRequestDto) => request.viber !== undefined || request.sms === undefined)
  @IsObject({ message: 'one of viber or sms is required' })
  @ValidateNested()
  @Type(() => ViberPartDto)
  viber?: ViberPartDto;

  @ValidateIf((request: SendRequestDto) => request.sms !== undefined)
  @IsObject()
  @NotTogetherWith('viber')
  @ValidateNested()
  @Type(() => SmsPartDto)
  sms?: SmsPartDto;

  @IsOptional()
  @IsString()
  @Matches(/^[\w.:-]{1,64}$/, { message: 'sequence_id must be 1-64 letters, digits or ._:-' })
  sequence_id?: string;
}

export class StatusRequestDto implements TurboSmsStatusRequest {
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  messages!: string[];
}
