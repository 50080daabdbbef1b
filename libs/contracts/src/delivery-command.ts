import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Channel, DATE_PATTERN, NotificationType, PHONE_PATTERN, RecipientRole } from './enums';
import { IsFlatStringRecord, IsTimestamp } from './validators';
import type { NotificationDetails } from './notification-requested';

export class PersonName {
  @IsString() @Length(1, 100) firstName!: string;
  @IsString() @Length(1, 100) lastName!: string;
  @IsOptional() @IsString() @MaxLength(100) secondName?: string;
}

export class DeliveryRecipient {
  @IsUUID() personId!: string;
  @IsIn(Object.values(RecipientRole)) role!: RecipientRole;
  /** Full phone travels only on internal topics, to reach the provider call; it is masked everywhere else. */
  @IsOptional() @Matches(PHONE_PATTERN) phone?: string;
  @IsOptional() @Matches(/^\d{10}$/) taxId?: string;
  @IsObject() @ValidateNested() @Type(() => PersonName) name!: PersonName;
}

export class DeliveryContent {
  @IsOptional() @IsString() @MaxLength(40) number?: string;
  /** AES-256-GCM sealed verification code (libs/platform CodeCipher); never the plain code. */
  @IsOptional() @IsString() @MaxLength(200) sealedCode?: string;
  @IsOptional() @Matches(DATE_PATTERN) validFrom?: string;
  @IsOptional() @Matches(DATE_PATTERN) validUntil?: string;
  @IsObject() @ValidateNested() @Type(() => PersonName) subjectName!: PersonName;
  @IsOptional() @Matches(DATE_PATTERN) subjectBirthDate?: string;
  @IsOptional() @IsFlatStringRecord({ maxKeys: 30, maxValueLength: 500 }) details?: NotificationDetails;
}

/**
 * Value of `esoz.delivery.{diia,viber,sms,slip}.v1` (key = notification id). One command is one channel
 * attempt; it carries the rest of the plan so a sender can hand over to the next channel on fallback.
 */
export class DeliveryCommand {
  /** Unique per channel attempt; our idempotency key at the provider. */
  @IsUUID() deliveryId!: string;
  @IsUUID() notificationId!: string;
  @IsUUID() eventId!: string;
  @IsIn(Object.values(NotificationType)) type!: NotificationType;
  @IsIn(Object.values(Channel)) channel!: Channel;
  @IsArray() @ArrayMaxSize(4) @IsIn(Object.values(Channel), { each: true }) remainingPlan!: Channel[];
  @IsInt() @Min(1) step!: number;
  @IsObject() @ValidateNested() @Type(() => DeliveryRecipient) recipient!: DeliveryRecipient;
  @IsObject() @ValidateNested() @Type(() => DeliveryContent) content!: DeliveryContent;
  @IsTimestamp() occurredAt!: string;
  @IsOptional() @IsTimestamp() expiresAt?: string;
}
