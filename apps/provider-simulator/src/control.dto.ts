import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { RECIPIENT_BEHAVIOURS, type RecipientBehaviour } from './behaviours';

const behaviourMessage = { message: `$property must be one of ${RECIPIENT_BEHAVIOURS.join(', ')}` };

/** `PUT /__control/recipients/:phone`: a key left out keeps its current value (DELIVERED unless set). */
export class RecipientBehaviourDto {
  @IsOptional() @IsIn(RECIPIENT_BEHAVIOURS, behaviourMessage) viber?: RecipientBehaviour;
  @IsOptional() @IsIn(RECIPIENT_BEHAVIOURS, behaviourMessage) sms?: RecipientBehaviour;
}

/** `PUT /__control/outage`: provider-wide trouble for chaos tests; a key left out keeps its current value. */
export class OutageDto {
  @IsOptional() @IsBoolean() viber?: boolean;
  @IsOptional() @IsBoolean() sms?: boolean;
  @IsOptional() @IsInt() @Min(0) @Max(60_000) latencyMs?: number;
}
