import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import kuzu from 'kuzu';
import type { Connection, Database, KuzuValue, PreparedStatement, QueryResult } from 'kuzu';
import { Semaphore } from '../../base/semaphore.js';
import { FleetError } from '../../domain/errors.js';

export type Params = Readonly<Record<string, KuzuValue>>;
export type Row = Record<string, KuzuValue>;

/**
 * One embedded database and its one connection. Kuzu's Node binding segfaults at process exit when a
 * query result outlives its connection or a connection its database, so every query goes through
 * `rows`, which reads all rows and closes the result before returning, and `close` ends the connection
 * before the database. Work is serialised: a transaction spans several queries on the connection, and
 * another caller's query would otherwise land inside it.
 */
export class KuzuSession {
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly turn = new Semaphore(1);
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly database: Database,
    private readonly connection: Connection,
  ) {}

  static async open(path: string): Promise<KuzuSession> {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const database = new kuzu.Database(path);
    try {
      await database.init();
      // One thread per query: on a few cores, a small traversal's parallel set-up costs more than it saves.
      const connection = new kuzu.Connection(database, 1);
      await connection.init();
      return new KuzuSession(path, database, connection);
    } catch (error) {
      await database.close();
      throw new FleetError('FAILED_PRECONDITION', `graph database ${path} cannot be opened: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Runs `work` alone on the connection. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.turn.acquire();
    try {
      if (this.closed) throw new FleetError('FAILED_PRECONDITION', `graph database ${this.path} is closed`);
      return await work();
    } finally {
      release();
    }
  }

  /** Runs `work` in one transaction: all of its writes or none. Call inside `exclusive`. */
  async transaction(work: () => Promise<void>): Promise<void> {
    await this.rows('BEGIN TRANSACTION');
    try {
      await work();
    } catch (error) {
      await this.rows('ROLLBACK');
      throw error;
    }
    await this.rows('COMMIT');
  }

  /** One statement, its values passed as parameters, never spliced into the text. Call inside `exclusive`. */
  async rows(statement: string, params: Params = {}): Promise<Row[]> {
    let result: QueryResult | QueryResult[];
    try {
      result = await this.connection.execute(await this.prepared(statement), { ...params });
    } catch (error) {
      throw new FleetError('INTERNAL', `graph query failed: ${(error as Error).message}`, { cause: error });
    }
    // A single statement yields one result; the array form is for scripts of several, which we never send.
    const results = Array.isArray(result) ? result : [result];
    try {
      return await results[0]!.getAll();
    } finally {
      for (const r of results) r.close();
    }
  }

  async close(): Promise<void> {
    const release = await this.turn.acquire();
    try {
      if (this.closed) return;
      this.closed = true;
      await this.connection.close();
      await this.database.close();
    } finally {
      release();
    }
  }

  private async prepared(statement: string): Promise<PreparedStatement> {
    let prepared = this.statements.get(statement);
    if (prepared === undefined) {
      prepared = await this.connection.prepare(statement);
      if (!prepared.isSuccess()) {
        throw new FleetError('INTERNAL', `graph query failed to prepare: ${prepared.getErrorMessage()}`);
      }
      this.statements.set(statement, prepared);
    }
    return prepared;
  }
}
