import { Client } from 'pg';

/**
 * Distinct statement texts this process prepares; a text seen after that runs unnamed, as before. The apps'
 * hot statements are a few dozen fixed texts; the bound only guards a backend's memory against a caller that
 * builds a new text per call.
 */
export const MAX_PREPARED_STATEMENTS = 500;

const names = new Map<string, string>();

/** The statement name for a text (`p1`, `p2`, ... in the order first seen), or undefined once the bound is reached. */
export function preparedName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_PREPARED_STATEMENTS) {
    name = `p${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

/**
 * A pg client that runs every parameterised query as a named prepared statement. Postgres then parses and
 * analyses each text once per connection, and after five runs may keep a generic plan instead of planning
 * again: the hop's one-statement writes (`writeChange`, a CTE over several tables) spent about as long being
 * planned as being executed (pg_stat_statements, ADR 0007). A text maps to one name for the life of the
 * process, so a connection never sees one name with two texts. Unparameterised queries (BEGIN, COMMIT,
 * DDL) run as before.
 */
export class PreparingClient extends Client {}

type LooseQuery = (this: Client, ...args: unknown[]) => unknown;
const plainQuery = Client.prototype.query as LooseQuery;

// Assigned rather than overridden: `query` has a dozen overloads, and this only rewrites the (text, values) one.
(PreparingClient.prototype as unknown as { query: LooseQuery }).query = function (this: Client, ...args) {
  const [text, values, ...rest] = args;
  if (typeof text === 'string' && Array.isArray(values) && values.length > 0) {
    const name = preparedName(text);
    if (name !== undefined) return plainQuery.call(this, { name, text, values }, ...rest);
  }
  return plainQuery.apply(this, args);
};
