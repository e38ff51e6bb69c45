import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * The SQLite driver for this Node version. better-sqlite3 12 is built for each Node from source and
 * runs on 20, but on Node 24 its statements abort the process when the garbage collector frees them
 * (an assertion in node::RemoveEnvironmentCleanupHook from Statement's destructor). better-sqlite3
 * 13 is rebuilt on N-API and ships prebuilt in its package, but needs Node 22. Both have the same
 * API, so Node 22 and later use 13 (installed as the optional `better-sqlite3-napi`) and Node 20
 * uses 12; an install made without 13 (npm skips it on Node 20) falls back to 12.
 */
const require = createRequire(import.meta.url);
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

function load(): { driver: string; module: string; Database: typeof BetterSqlite3 } {
  if (NODE_MAJOR >= 22) {
    try {
      const module = 'better-sqlite3-napi';
      return { driver: 'better-sqlite3@13 (N-API)', module, Database: require(module) as typeof BetterSqlite3 };
    } catch (error) {
      if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return {
    driver: 'better-sqlite3@12',
    module: 'better-sqlite3',
    Database: require('better-sqlite3') as typeof BetterSqlite3,
  };
}

/** `SQLITE_MODULE` is the package loaded: a worker thread opening the same file loads the same one. */
export const { driver: SQLITE_DRIVER, module: SQLITE_MODULE, Database } = load();
export type Db = BetterSqlite3.Database;
