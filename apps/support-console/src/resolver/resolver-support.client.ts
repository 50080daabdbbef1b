import { Injectable } from '@nestjs/common';
import type {
  SupportNotificationDetail,
  SupportOverview,
  SupportSearchItem,
  SupportSearchResult,
} from '@app/contracts';
import { InjectConfig } from '@app/runtime';
import type { SupportConsoleConfig } from '../support-console.config';

/** The resolver could not answer (down, slow, refused the credential): the console says so, shows nothing. */
export class ResolverUnavailableError extends Error {
  constructor(readonly why: string) {
    super(`resolver support API unavailable: ${why}`);
    this.name = 'ResolverUnavailableError';
  }
}

export type SearchBy = { phone: string } | { number: string } | { personId: string };

/** The resolver's support API (architecture.md §11.2) with the console's service credential. */
@Injectable()
export class ResolverSupportClient {
  constructor(@InjectConfig() private readonly config: SupportConsoleConfig) {}

  async search(by: SearchBy, limit = 50): Promise<SupportSearchItem[]> {
    const query = new URLSearchParams({ ...by, limit: String(limit) });
    const result = await this.get<SupportSearchResult>(`/notifications?${query}`);
    return result?.items ?? [];
  }

  /** undefined when the resolver knows no such event. */
  detail(eventId: string): Promise<SupportNotificationDetail | undefined> {
    return this.get<SupportNotificationDetail>(`/notifications/${encodeURIComponent(eventId)}`);
  }

  async overview(hours: number): Promise<SupportOverview> {
    const overview = await this.get<SupportOverview>(`/support/overview?hours=${hours}`);
    if (!overview) throw new ResolverUnavailableError('NO_OVERVIEW');
    return overview;
  }

  private async get<T>(path: string): Promise<T | undefined> {
    let response: Response;
    try {
      response = await fetch(`${this.config.RESOLVER_URL}${path}`, {
        headers: { authorization: `Bearer ${this.config.SUPPORT_TOKEN}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.config.RESOLVER_TIMEOUT_MS),
      });
    } catch (error) {
      // The URL holds the phone being searched for: the reason names the failure only.
      throw new ResolverUnavailableError((error as Error).name === 'TimeoutError' ? 'TIMEOUT' : 'CONNECTION');
    }
    if (response.status === 404) return undefined;
    if (!response.ok) throw new ResolverUnavailableError(`HTTP_${response.status}`);
    return (await response.json()) as T;
  }
}
