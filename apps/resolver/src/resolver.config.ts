import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { BaseAppConfig, IsSecret, LOCAL_SECRETS, loadConfig, toBool, toInt } from '@app/platform';

export class ResolverConfig extends BaseAppConfig {
  override PORT = 3001;
  /** How long an event for a person we have no snapshot of waits before FAILED / UNKNOWN_PERSON. */
  @toInt() @IsInt() @Min(0) @Max(3600) PERSON_WAIT_SECONDS = 60;
  @toInt() @IsInt() @Min(1) @Max(21) ADULT_AGE = 14;
  @toInt() @IsInt() @Min(14) @Max(21) CONFIDANT_MIN_AGE = 18;
  @toBool() @IsBoolean() DIIA_ENABLED = true;
  /** THIRD_PERSON_CONFIDANT_PERSON_RELATIONSHIP_CHECK in eHealth: only VERIFIED relationships count. */
  @toBool() @IsBoolean() RELATIONSHIP_CHECK = true;
  @IsSecret() SUPPORT_TOKEN: string = LOCAL_SECRETS.SUPPORT_TOKEN;
  /** HMAC key of the support search's phone keys (architecture.md §11.2). Changing it makes earlier phones unsearchable. */
  @IsSecret() SUPPORT_SEARCH_KEY: string = LOCAL_SECRETS.SUPPORT_SEARCH_KEY;
}

export const loadResolverConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(ResolverConfig, env, ['SUPPORT_TOKEN', 'SUPPORT_SEARCH_KEY']);
