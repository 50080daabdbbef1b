import 'reflect-metadata';
import { createDataSource, runMigrations } from '@app/database';
import {
  generatePassword,
  LOGIN_PATTERN,
  normaliseLogin,
  passwordProblem,
  hashPassword,
} from '../staff/password';
import { StaffRepository } from '../staff/staff.repository';
import { loadSupportCliConfig, type SupportCliConfig } from './support-cli.config';

const USAGE = `npm run support:user -- <command>
  add <login>           create an account; prints a generated password (or uses SUPPORT_USER_PASSWORD)
  password <login>      set a new password (same rule) and end the account's sessions
  disable <login>       disable the account and end its sessions
  list                  list accounts
  ensure-local <login>  local mode only (npm start): create the account or give it a new password, print it`;

export interface CliResult {
  exitCode: number;
  lines: string[];
}

/** The staff account command; returns what to print so tests can run it in-process. */
export async function supportUser(args: string[], config: SupportCliConfig): Promise<CliResult> {
  const [command, loginArg] = args;
  const login = normaliseLogin(loginArg ?? '');
  if (command === 'list')
    return withStaff(config, async (staff) => ({
      exitCode: 0,
      lines: (await staff.list()).map(
        (row) => `${row.login}\t${row.created_at.toISOString()}\t${row.disabled_at ? 'disabled' : 'active'}`,
      ),
    }));
  if (!['add', 'password', 'disable', 'ensure-local'].includes(command ?? ''))
    return { exitCode: 2, lines: [USAGE] };
  if (!LOGIN_PATTERN.test(login))
    return {
      exitCode: 2,
      lines: ['login: 2–63 characters, lowercase latin letters, digits, dot, dash, underscore'],
    };
  if (command === 'ensure-local' && config.isProduction)
    return { exitCode: 2, lines: ['ensure-local is for local mode only (NODE_ENV is production)'] };
  if (command === 'disable')
    return withStaff(config, async (staff) =>
      (await staff.disable(login))
        ? { exitCode: 0, lines: [`${login}: disabled`] }
        : { exitCode: 1, lines: [`${login}: no such account`] },
    );

  const given = config.SUPPORT_USER_PASSWORD;
  const password = given || generatePassword();
  const problem = passwordProblem(password);
  if (problem) return { exitCode: 2, lines: [`SUPPORT_USER_PASSWORD: ${problem}`] };
  const hash = await hashPassword(password);
  const shown = given ? '(the password from SUPPORT_USER_PASSWORD)' : password;
  return withStaff(config, async (staff) => {
    if (command === 'add') {
      if (!(await staff.create(login, hash))) return { exitCode: 1, lines: [`${login}: the login is taken`] };
      return { exitCode: 0, lines: [`created ${login}`, `password: ${shown}`] };
    }
    if (command === 'password') {
      if (!(await staff.setPassword(login, hash)))
        return { exitCode: 1, lines: [`${login}: no such account`] };
      return { exitCode: 0, lines: [`new password for ${login}`, `password: ${shown}`] };
    }
    const created = await staff.create(login, hash);
    if (!created) await staff.setPassword(login, hash);
    return { exitCode: 0, lines: [`${created ? 'created' : 'reset'} ${login}`, `password: ${shown}`] };
  });
}

async function withStaff(
  config: SupportCliConfig,
  work: (staff: StaffRepository) => Promise<CliResult>,
): Promise<CliResult> {
  await runMigrations(config.DATABASE_URL);
  const dataSource = createDataSource(config.DATABASE_URL, 2, 'support-user');
  await dataSource.initialize();
  try {
    return await work(new StaffRepository(dataSource));
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  supportUser(process.argv.slice(2), loadSupportCliConfig()).then(
    ({ exitCode, lines }) => {
      (exitCode === 0 ? console.log : console.error)(lines.join('\n'));
      process.exit(exitCode);
    },
    (error: Error) => {
      console.error(`support:user failed: ${error.message}`);
      process.exit(1);
    },
  );
}
