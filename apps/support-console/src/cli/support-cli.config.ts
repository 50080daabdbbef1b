import { IsString } from 'class-validator';
import { BaseServiceConfig, loadConfig } from '@app/platform';

/** The staff and audit commands: the database, and a password given by env (CI has no terminal to type it). */
export class SupportCliConfig extends BaseServiceConfig {
  override PORT = 0;
  /** `support:user add|password`: this password instead of a generated one. Never printed. */
  @IsString() SUPPORT_USER_PASSWORD = '';
}

export const loadSupportCliConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(SupportCliConfig, env);
