/** Which database a URL names: PostgreSQL (production) or an embedded SQLite file. */
export type DatabaseFlavour = 'postgresql' | 'sqlite';

export interface DatabaseTarget {
  flavour: DatabaseFlavour;
  /** The PostgreSQL connection URL, or the SQLite file path (or `:memory:`). */
  location: string;
}

/**
 * Parses `postgres://user@host:port/db` (or `postgresql://`) and
 * `sqlite:PATH` / `file:PATH`. Throws with the accepted forms on anything else.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//.test(url)) return { flavour: 'postgresql', location: url };
  const sqlite = /^(?:sqlite|file):(.+)$/.exec(url);
  if (sqlite?.[1]) return { flavour: 'sqlite', location: sqlite[1] };
  throw new Error(
    `unsupported database URL '${url}': use postgres://USER@HOST:PORT/DB or sqlite:PATH (for example sqlite:./data/slipstream.db)`,
  );
}
