import { databasePathFrom, loadConfig, logLevelFrom, storageFrom, ConfigError, type Config } from './config/config.ts';
import { migrate } from './db/migrate.ts';
import { openStorage } from './db/open-storage.ts';
import { redact } from './db/postgres/pg-database.ts';
import { startApp } from './app/start-app.ts';
import { createLogger } from './lib/logger.ts';
import { AppError } from './lib/errors.ts';
import { exitOnceWritten } from './lib/exit-once-written.ts';
import { logOutput } from './lib/log-output.ts';
import { doctor } from './cli/doctor.ts';
import { backupDatabase } from './cli/backup.ts';
import { OUTBOX_USAGE, operatingSystemUser, outboxList, outboxRetry, type OutboxCliIo } from './cli/outbox.ts';
import { auditList } from './cli/audit.ts';
import { createInterface } from 'node:readline/promises';
import { startMode } from './sandbox/mode.ts';

/** PostgreSQL has its own consistent online backup, which `backup` does not reimplement. */
const PG_BACKUP = `DATABASE_URL is set: the data is in PostgreSQL, which \`incident-bot backup\` does not copy.
Back it up with PostgreSQL's own tools, while the bot runs (the dump is consistent):
  pg_dump --format=custom --file=incident-bot.dump "$DATABASE_URL"
Restore into an empty database, then start the bot with DATABASE_URL pointing at it:
  pg_restore --no-owner --dbname="$NEW_DATABASE_URL" incident-bot.dump
A managed PostgreSQL's snapshots and point-in-time recovery work too (docs/deploy.md).`;

const USAGE = `Usage: incident-bot <command>

Commands:
  start     run the bot (HTTP server, Slack, outbox worker)
  migrate   apply database migrations and exit
  backup <file> [--force]
            copy the database while the bot runs (online), then check the copy
  doctor    check the configuration, the database, the runbooks and each integration
  outbox list [--dead]
            effects not delivered yet (pending and dead); --dead: only those given up on
  outbox retry <id…> | --all-dead [--yes]
            send dead effects again, while the bot runs; --all-dead asks first (or needs --yes)
  audit [--since <when>] [--json]
            who did what, when and from where (role grants, refusals, runbooks, public updates, retries)
  help      show this text`;

type Verb = (argv: string[]) => Promise<number>;

/**
 * How long a stopping bot waits for what it wrote to stdout and stderr, its log included, to be
 * read: a process manager expects it to end, even when nobody reads the log pipe.
 */
const SHUTDOWN_OUTPUT_MS = 5_000;

const VERBS: Record<string, Verb> = {
  async start() {
    let app: { stop(): Promise<void> };
    let log;
    // Never waits for the log's reader, so a stuck one neither stalls the bot nor keeps it from stopping.
    const output = logOutput();
    if (startMode(process.env) === 'sandbox') {
      log = createLogger(logLevelFrom(process.env), output);
      // Loaded only here: a real deployment never holds the fakes, their API descriptions or markdown-it.
      const { sandboxBanner, startSandbox } = await import('./sandbox/start-sandbox.ts');
      const sandbox = await startSandbox(process.env, log, { logDropped: output.dropped });
      // After the log lines of its start, as they were written.
      output.flush();
      console.log(sandboxBanner(sandbox.url));
      app = sandbox;
    } else {
      const config = loadConfig(process.env);
      log = createLogger(config.logLevel, output);
      app = await startApp(config, { logger: log, logDropped: output.dropped });
    }
    const shutdown = (signal: string) => {
      log.info({ event: 'bot.stopping', signal }, 'shutting down');
      app.stop().then(
        () => exitOnceWritten(0, { giveUpAfterMs: SHUTDOWN_OUTPUT_MS }),
        (error: unknown) => {
          log.error({ event: 'bot.stop_failed', err: error }, 'shutdown failed');
          exitOnceWritten(1, { giveUpAfterMs: SHUTDOWN_OUTPUT_MS });
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    return new Promise<number>(() => {}); // runs until a signal
  },
  async migrate() {
    // Migrating needs only the database; it must work before Slack is set up.
    const where = storageFrom(process.env);
    const db = openStorage(where);
    const applied = migrate(db);
    const name = where.databaseUrl ? redact(where.databaseUrl) : where.databasePath;
    db.close();
    console.log(applied.length > 0 ? `Applied ${applied.join(', ')} to ${name}` : `${name} is up to date`);
    return 0;
  },
  async backup(argv) {
    const target = argv.find((a) => !a.startsWith('--'));
    if (!target) {
      console.error('Usage: incident-bot backup <file> [--force]');
      return 2;
    }
    if (process.env.DATABASE_URL?.trim()) {
      console.error(PG_BACKUP);
      return 2;
    }
    const source = databasePathFrom(process.env);
    let shown = -1;
    const result = await backupDatabase(source, target, {
      force: argv.includes('--force'),
      progress: (done, total) => {
        const pct = total ? Math.floor((done / total) * 100) : 100;
        if (pct >= shown + 10 || pct === 100)
          (process.stderr.write(`backup: ${pct} % (${done}/${total} pages)\n`), (shown = pct));
      },
    });
    console.log(
      `Backed up ${source} to ${result.file}: ${result.bytes.toLocaleString('en')} bytes, ${result.incidents} incidents, ${result.timelineEvents} timeline events; integrity ok.`,
    );
    return 0;
  },
  async outbox([sub, ...rest]) {
    const path = storageFrom(process.env);
    if (sub === 'list') return outboxList(path, rest, terminalIo());
    if (sub === 'retry') return outboxRetry(path, rest, terminalIo());
    console.error(OUTBOX_USAGE);
    return 2;
  },
  async audit(argv) {
    return auditList(storageFrom(process.env), argv, terminalIo());
  },
  async doctor() {
    return doctor(process.env, (line) => console.log(line));
  },
  async help() {
    console.log(USAGE);
    return 0;
  },
};

function terminalIo(): OutboxCliIo {
  return {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    interactive: process.stdin.isTTY === true,
    async ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return /^y(es)?$/i.test((await rl.question(question)).trim());
      } finally {
        rl.close();
      }
    },
    now: Date.now,
    operator: operatingSystemUser(),
  };
}

async function main(argv: string[]): Promise<number> {
  const verb = VERBS[argv[0] ?? 'start'];
  if (!verb) {
    console.error(`Unknown command "${argv[0]}".\n\n${USAGE}`);
    return 2;
  }
  try {
    return await verb(argv.slice(1));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(
        `incident-bot cannot start.\n${error.message}\n\nSee README.md ("Configuration") for every variable. With no credentials at all (and NODE_ENV not production), npm start runs a local sandbox instead.`,
      );
      return 1;
    }
    if (error instanceof AppError) {
      console.error(`incident-bot: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

export type { Config };

main(process.argv.slice(2)).then(
  (code) => exitOnceWritten(code),
  (error: unknown) => {
    console.error(error);
    exitOnceWritten(1);
  },
);
