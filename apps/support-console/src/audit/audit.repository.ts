import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export const AuditAction = {
  SIGN_IN: 'SIGN_IN',
  SIGN_IN_FAILED: 'SIGN_IN_FAILED',
  SIGN_OUT: 'SIGN_OUT',
  SEARCH: 'SEARCH',
  OPEN: 'OPEN',
  OVERVIEW: 'OVERVIEW',
} as const;
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction];

/** What was asked, as it may be kept: a phone only masked. */
export interface AuditQuery {
  kind: string;
  shown?: string;
}

export interface AuditEntry {
  staffId?: string;
  login: string;
  action: AuditAction;
  query?: AuditQuery;
  eventIds?: string[];
  address?: string;
}

export interface AuditRecord {
  id: string;
  at: Date;
  login: string;
  action: AuditAction;
  query: AuditQuery | null;
  event_ids: string[];
  address: string | null;
}

/** support_audit_log: INSERT and SELECT only (the database refuses UPDATE, DELETE and TRUNCATE). */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO support_audit_log (staff_id, login, action, query, event_ids, address)
       VALUES ($1, $2, $3, $4, $5::uuid[], $6)`,
      [
        entry.staffId ?? null,
        entry.login,
        entry.action,
        entry.query ? JSON.stringify(entry.query) : null,
        entry.eventIds ?? [],
        entry.address ?? null,
      ],
    );
  }

  /** Newest first. */
  list(filter: { since?: Date; login?: string; limit: number }): Promise<AuditRecord[]> {
    return this.dataSource.query(
      `SELECT id, at, login, action, query, event_ids::text[] AS event_ids, address FROM support_audit_log
       WHERE at >= COALESCE($1::timestamptz, '-infinity') AND ($2::text IS NULL OR login = $2)
       ORDER BY at DESC, id DESC LIMIT $3`,
      [filter.since ?? null, filter.login ?? null, filter.limit],
    );
  }
}
