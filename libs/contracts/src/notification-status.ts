import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { Channel, NotificationStatusCode, RecipientRole } from './enums';
import { MAX_FAILING_FIELDS } from './parse';
import { IsTimestamp } from './validators';

/** A failing property path: contract property names and array indices, dot-separated; `*` for anything else. */
export const FIELD_PATH_PATTERN = /^([A-Za-z0-9_]{1,64}|\*)(\.([A-Za-z0-9_]{1,64}|\*))*$/;
export const FIELD_PATH_MAX_LENGTH = 256;

/** `reason` of the REJECTED status of an event that failed validation (architecture.md §11.1). */
export const INVALID_EVENT = 'INVALID_EVENT';

export class StatusRecipient {
  @IsUUID() personId!: string;
  @IsIn(Object.values(RecipientRole)) role!: RecipientRole;
  @IsOptional() @Matches(/^\+38\d{3}\*{5}\d{2}$/) maskedPhone?: string;
}

/** Value of `esoz.notification.status.v1` (key = event id): what reached whom, for upstream. */
export class NotificationStatus {
  @IsUUID() eventId!: string;
  @IsOptional() @IsUUID() notificationId?: string;
  @IsTimestamp() at!: string;
  @IsIn(Object.values(NotificationStatusCode)) status!: NotificationStatusCode;
  @IsOptional() @IsIn(Object.values(Channel)) channel?: Channel;
  @IsOptional() @ValidateNested() @Type(() => StatusRecipient) recipient?: StatusRecipient;
  /** Machine code (NOT_VIBER_USER, NO_REPORT_IN_TIME, NO_AUTH_METHOD, ...), never free text with personal data. */
  @IsOptional() @IsString() @Matches(/^[A-Z0-9_]{1,64}$/) @MaxLength(64) reason?: string;
  /**
   * With REJECTED / INVALID_EVENT: the property paths of the event that failed validation
   * (`payload.verificationCode`, `informWith.authMethodId`), never their values (architecture.md §11.1).
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FAILING_FIELDS)
  @IsString({ each: true })
  @MaxLength(FIELD_PATH_MAX_LENGTH, { each: true })
  @Matches(FIELD_PATH_PATTERN, { each: true })
  fields?: string[];
}
