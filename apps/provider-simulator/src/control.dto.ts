import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { RECIPIENT_BEHAVIOURS, type RecipientBehaviour } from './behaviours';
import { PROVIDER_OUTAGES, type ProviderOutage } from './providers';

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

/** `PUT /__control/providers/:name`: take one provider down (`ERROR_5XX`, `TIMEOUT`) or bring it back (null). */
export class ProviderOutageDto {
  // Required: undefined is not in the list (null is).
  @IsIn([...PROVIDER_OUTAGES, null], { message: 'outage must be ERROR_5XX, TIMEOUT or null' })
  outage!: ProviderOutage | null;
}
