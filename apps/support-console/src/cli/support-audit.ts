import 'reflect-metadata';
import { createDataSource, runMigrations } from '@app/database';
import { AuditRepository, type AuditRecord } from '../audit/audit.repository';
import { loadSupportCliConfig, type SupportCliConfig } from './support-cli.config';

const USAGE = `npm run support:audit -- [--since 24h|7d|<ISO time>] [--login <login>] [--limit <n>] [--json]
Lists the support console's audit log, newest first: who, when, what was asked, which events were shown.`;

export interface AuditListOptions {
  since?: Date;
  login?: string;
  limit: number;
  json: boolean;
}

export function parseAuditArgs(args: string[], now = new Date()): AuditListOptions | string {
  const options: AuditListOptions = { limit: 100, json: false };
  for (let i = 0; i < args.length; i++) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag === '--json') {
      options.json = true;
    } else if (flag === '--login' && value) {
      options.login = value.toLowerCase();
      i++;
    } else if (flag === '--limit' && /^\d{1,5}$/.test(value ?? '')) {
      options.limit = Number(value);
      i++;
    } else if (flag === '--since' && value) {
      const relative = /^(\d+)([hd])$/.exec(value);
      const since = relative
        ? new Date(now.getTime() - Number(relative[1]) * (relative[2] === 'h' ? 3_600_000 : 86_400_000))
        : new Date(value);
      if (Number.isNaN(since.getTime())) return USAGE;
      options.since = since;
      i++;
    } else return USAGE;
  }
  return options;
}

export function formatAuditLine(record: AuditRecord): string {
  const query = record.query
    ? `${record.query.kind}${record.query.shown ? ` ${record.query.shown}` : ''}`
    : '-';
  const events = record.event_ids.length ? record.event_ids.join(',') : '-';
  return [
    record.at.toISOString(),
    record.login,
    record.action,
    query,
    `events=${events}`,
    record.address ?? '-',
  ].join('\t');
}

export async function supportAudit(
  args: string[],
  config: SupportCliConfig,
): Promise<{ exitCode: number; lines: string[] }> {
  const options = parseAuditArgs(args);
  if (typeof options === 'string') return { exitCode: 2, lines: [options] };
  await runMigrations(config.DATABASE_URL);
  const dataSource = createDataSource(config.DATABASE_URL, 2, 'support-audit');
  await dataSource.initialize();
  try {
    const records = await new AuditRepository(dataSource).list(options);
    return {
      exitCode: 0,
      lines: options.json
        ? records.map((record) => JSON.stringify(record))
        : ['at\tlogin\taction\tasked\tshown\taddress', ...records.map(formatAuditLine)],
    };
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  supportAudit(process.argv.slice(2), loadSupportCliConfig()).then(
    ({ exitCode, lines }) => {
      (exitCode === 0 ? console.log : console.error)(lines.join('\n'));
      process.exit(exitCode);
    },
    (error: Error) => {
      console.error(`support:audit failed: ${error.message}`);
      process.exit(1);
    },
  );
}
