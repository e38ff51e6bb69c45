/**
 * Runs the benchmark suites on 127.0.0.1, prints one Markdown table and writes
 * bench/results/latest.json. `npm run bench` (full) or `npm run bench -- --quick` (CI smoke);
 * name suites to run only those: `npm run bench -- --quick postmortem`.
 * No figure here fails the run: only a benchmark that breaks does.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { stopChildServers } from './lib/child-server.ts';
import { curves, curvesTable } from './lib/curves.ts';
import { stopBenchPostgres } from './lib/postgres.ts';
import { markdownTable } from './lib/table.ts';
import type { Figure, Suite } from './lib/stats.ts';
import { pageToChannel } from './suites/page-to-channel.ts';
import { postmortem } from './suites/postmortem.ts';
import { runbook } from './suites/runbook.ts';
import { runbookParams } from './suites/runbook-params.ts';
import { commandAck } from './suites/command-ack.ts';
import { webhookIngest } from './suites/webhook-ingest.ts';
import { footprint } from './suites/footprint.ts';
import { statusPage } from './suites/status-page.ts';
import { statusPageHistory } from './suites/status-page-history.ts';
import { storm } from './suites/storm.ts';
import { sqliteStatement } from './suites/sqlite-statement.ts';
import { sqliteCheckpoint } from './suites/sqlite-checkpoint.ts';
import { outboxLook } from './suites/outbox-look.ts';
import { textRegex } from './suites/text-regex.ts';
import { tracing } from './suites/tracing.ts';
import { insights } from './suites/insights.ts';
import { storedScale } from './suites/stored-scale.ts';

const SUITES: Suite[] = [
  commandAck,
  webhookIngest,
  storm,
  pageToChannel,
  statusPage,
  statusPageHistory,
  postmortem,
  runbook,
  runbookParams,
  textRegex,
  sqliteStatement,
  sqliteCheckpoint,
  outboxLook,
  tracing,
  insights,
  storedScale,
  footprint,
];

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Set once SIGINT or SIGTERM has started stopping the run. */
let signalled: Promise<void> | undefined;

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.filter((a) => !a.startsWith('--'));
  const unknown = only.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length)
    throw new Error(`unknown suite(s): ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`);
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    platform: process.platform,
    node: process.version,
  };
  const figures: Figure[] = [];
  const started = Date.now();
  // The suites that also measure PostgreSQL share one server, started on first use, stopped here;
  // an interrupted run also stops the servers its suites started.
  const stopOnSignal = () => {
    signalled = stopChildServers()
      .then(stopBenchPostgres)
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    for (const suite of SUITES.filter((s) => only.length === 0 || only.includes(s.name))) {
      const t0 = Date.now();
      process.stderr.write(`bench: ${suite.name} …`);
      figures.push(...(await suite.run({ quick })));
      process.stderr.write(` ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    await stopBenchPostgres();
  }
  const result = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    commit: commit(),
    machine,
    seconds: (Date.now() - started) / 1000,
    figures,
    curves: curves(figures),
  };
  const out = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}latest.json`, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `\n${result.date.slice(0, 10)} · ${result.mode} run · commit ${result.commit} · ${machine.cpu} × ${machine.cores} · ${machine.memoryGb} GB · Node ${machine.node}\n`,
  );
  console.log(markdownTable(figures));
  if (result.curves.length > 0) {
    console.log('\nScale curves (medians; growth per 10× of size: about 10× is linear):\n');
    console.log(curvesTable(result.curves));
    for (const c of result.curves.filter((x) => x.superLinear))
      console.log(
        `super-linear: ${c.suite}${c.engine ? ` · ${c.engine}` : ''} › ${c.series} grows faster than its size (${c.of})`,
      );
  }
  console.log(`\nwritten: bench/results/latest.json (${result.seconds.toFixed(0)} s)`);
}

main().catch(async (error: unknown) => {
  // Interrupted: the suite failed because its servers were stopped; the signal's stop exits.
  if (signalled) return void (await signalled);
  console.error(error);
  process.exit(1);
});
