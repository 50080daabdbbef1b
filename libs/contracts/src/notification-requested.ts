import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { DATE_PATTERN, NotificationType } from './enums';
import { IsFlatStringRecord, IsTimestamp } from './validators';

export class InformWith {
  @IsUUID() authMethodId!: string;
}

/** What the slip prints; free-form by document kind but always flat strings (no nesting, bounded size). */
export type NotificationDetails = Record<string, string>;

export class NotificationPayload {
  @IsOptional() @IsString() @MaxLength(40) number?: string;
  /** Secret: never logged; encrypted at rest (architecture.md §8). */
  @IsOptional() @Matches(/^\d{4,8}$/) verificationCode?: string;
  @IsOptional() @IsUUID() encounterId?: string;
  @IsOptional() @IsBoolean() notificationsDisabled?: boolean;
  @IsOptional() @Matches(DATE_PATTERN) validFrom?: string;
  @IsOptional() @Matches(DATE_PATTERN) validUntil?: string;
  @IsOptional()
  @IsObject()
  @IsFlatStringRecord({ maxKeys: 30, maxValueLength: 500 })
  details?: NotificationDetails;
}

/** Value of `esoz.notification.requested.v1` (key = subject person id). */
export class NotificationRequested {
  @IsUUID() eventId!: string;
  @IsIn(Object.values(NotificationType)) type!: NotificationType;
  @IsTimestamp() occurredAt!: string;
  @IsUUID() subjectPersonId!: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => InformWith) informWith?: InformWith;
  @IsOptional() @IsTimestamp() expiresAt?: string;
  @IsObject() @ValidateNested() @Type(() => NotificationPayload) payload!: NotificationPayload;
}
