import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface StaffRecord {
  id: string;
  login: string;
  password_hash: string;
  created_at: Date;
  disabled_at: Date | null;
}

/** support_staff: one account per person. */
@Injectable()
export class StaffRepository {
  constructor(private readonly dataSource: DataSource) {}

  async byLogin(login: string): Promise<StaffRecord | undefined> {
    const [row] = await this.dataSource.query(
      `SELECT id, login, password_hash, created_at, disabled_at FROM support_staff WHERE login = $1`,
      [login],
    );
    return row;
  }

  /** false when the login is taken. */
  async create(login: string, passwordHash: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO support_staff (id, login, password_hash) VALUES ($1, $2, $3) ON CONFLICT (login) DO NOTHING RETURNING id`,
      [randomUUID(), login, passwordHash],
    );
    return rows.length === 1;
  }

  /** Sets a new password, enables the account, and ends its sessions. false when there is no such login. */
  async setPassword(login: string, passwordHash: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const rows: { id: string }[] = await manager.query(
        `UPDATE support_staff SET password_hash = $2, password_changed_at = now(), disabled_at = NULL
         WHERE login = $1 RETURNING id`,
        [login, passwordHash],
      );
      if (rows.length === 0) return false;
      await manager.query(`DELETE FROM support_session WHERE staff_id = $1`, [rows[0].id]);
      return true;
    });
  }

  /** Disables the account and ends its sessions. */
  async disable(login: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const rows: { id: string }[] = await manager.query(
        `UPDATE support_staff SET disabled_at = COALESCE(disabled_at, now()) WHERE login = $1 RETURNING id`,
        [login],
      );
      if (rows.length === 0) return false;
      await manager.query(`DELETE FROM support_session WHERE staff_id = $1`, [rows[0].id]);
      return true;
    });
  }

  list(): Promise<Omit<StaffRecord, 'password_hash'>[]> {
    return this.dataSource.query(
      `SELECT id, login, created_at, disabled_at FROM support_staff ORDER BY login`,
    );
  }
}
