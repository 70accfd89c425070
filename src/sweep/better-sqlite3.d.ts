/**
 * Minimal types for the part of better-sqlite3 12 the sweep engine uses (the package ships no
 * types and `@types/better-sqlite3` is not a dependency).
 * TODO(lead): replace with `@types/better-sqlite3` as a devDependency (issue 7).
 */
declare module 'better-sqlite3' {
  namespace Database {
    interface RunResult {
      changes: number;
      lastInsertRowid: number | bigint;
    }
    interface Statement {
      run(...params: unknown[]): RunResult;
      get(...params: unknown[]): unknown;
      all(...params: unknown[]): unknown[];
    }
    interface Options {
      readonly?: boolean;
      fileMustExist?: boolean;
      timeout?: number;
    }
    interface Database {
      prepare(sql: string): Statement;
      exec(sql: string): this;
      pragma(source: string, options?: { simple?: boolean }): unknown;
      transaction<F extends (...args: never[]) => unknown>(fn: F): F;
      close(): this;
      readonly open: boolean;
    }
  }
  const Database: {
    new (filename: string, options?: Database.Options): Database.Database;
  };
  export default Database;
}
