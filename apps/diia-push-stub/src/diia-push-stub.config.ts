import { IsInt, Max, Min } from 'class-validator';
import { BaseAppConfig, loadConfig, toInt } from '@app/platform';

export class DiiaPushStubConfig extends BaseAppConfig {
  override PORT = 3004;
  /** Diia `sent` is not `read`: wait this long for `read` on messages with a code, then fall back to Viber. */
  @toInt() @IsInt() @Min(1) @Max(3600) CODE_REPORT_TIMEOUT_SECONDS = 20;
  @toInt() @IsInt() @Min(1) @Max(86400) REPORT_TIMEOUT_SECONDS = 300;
  /** How long after a push the stub reports `read` (or `error`). */
  @toInt() @IsInt() @Min(0) @Max(60000) STUB_REPORT_DELAY_MS = 300;
}

export const loadDiiaPushStubConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(DiiaPushStubConfig, env);
