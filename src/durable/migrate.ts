// Runs a Durable Object's SQLite migrations in order, once each. Add a new
// entry to a migration list, never edit a shipped one.
interface SqlLike {
  exec(query: string, ...bindings: unknown[]): { toArray(): unknown[] };
}

export function migrate(sql: SqlLike, migrations: readonly string[]): void {
  sql.exec("CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY)");
  const rows = sql.exec("SELECT MAX(version) AS v FROM _migrations").toArray() as { v: number | null }[];
  const done = rows[0]?.v ?? 0;
  for (let i = done; i < migrations.length; i++) {
    sql.exec(migrations[i] as string);
    sql.exec("INSERT INTO _migrations (version) VALUES (?)", i + 1);
  }
}
