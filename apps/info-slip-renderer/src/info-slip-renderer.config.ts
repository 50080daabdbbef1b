import { BaseAppConfig, IsSecret, LOCAL_SECRETS, loadConfig } from '@app/platform';

export class InfoSlipRendererConfig extends BaseAppConfig {
  override PORT = 3005;
  /** Bearer token of the doctors' MIS for slip downloads (contract §9–§10). */
  @IsSecret() MIS_TOKEN: string = LOCAL_SECRETS.MIS_TOKEN;
}

export const loadInfoSlipRendererConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(InfoSlipRendererConfig, env, ['MIS_TOKEN']);
