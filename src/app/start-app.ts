import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config.ts';
import { migrate } from '../db/migrate.ts';
import { openDatabase, type Db } from '../db/open.ts';
import { databaseCheck, livenessRoute, readinessRoute } from '../http/health.ts';
import { createHttpServer, type Route } from '../http/server.ts';
import { InboxRepository } from '../inbox/inbox-repository.ts';
import { SeenRequestRepository } from '../inbox/seen-requests.ts';
import { IncidentRepository } from '../incidents/incident-repository.ts';
import { IncidentService } from '../incidents/service.ts';
import { UpdateRepository } from '../incidents/update-repository.ts';
import { PostmortemRepository } from '../incidents/postmortem-repository.ts';
import type { Logger } from '../lib/logger.ts';
import { OutboxRepository } from '../outbox/outbox-repository.ts';
import { OutboxWorker } from '../outbox/worker.ts';
import { createBoltApp, type SocketModeOptions } from '../slack/bolt-app.ts';
import { socketReplayGuard } from '../slack/socket-replay.ts';
import { slackEffectHandlers } from '../slack/channel-effects.ts';
import { slackFileShare } from '../slack/file-share.ts';
import { slackPeople } from '../slack/people-directory.ts';
import { DirectoryRepository } from '../pagerduty/directory.ts';
import { pagerDutyEffectHandlers } from '../pagerduty/rest-effects.ts';
import { createPagerDutyClient } from '../pagerduty/rest-client.ts';
import { pagerDutyWebhookRoute } from '../pagerduty/webhook-route.ts';
import type { StatusContext } from '../statuspage/model.ts';
import { createStatusRenderer } from '../statuspage/render.ts';
import { statusPageRoutes } from '../statuspage/routes.ts';
import { statuspageMirrorHandlers } from '../statuspage/mirror.ts';
import { postmortemHandlers } from '../postmortem/publish-effect.ts';
import { createReportRenderer } from '../postmortem/render.ts';
import { dirname } from 'node:path';
import { startReminderJob } from '../scheduler/reminders.ts';
import { startRetentionJob } from '../scheduler/retention.ts';
import { wireRunbooks } from './wire-runbooks.ts';
import { registerSlackEdge } from '../slack/register-all.ts';
import { homeEffectHandlers } from '../slack/register-home.ts';
import { ViewerRepository } from '../incidents/viewer-repository.ts';
import { SLACK_SIGNATURE_WINDOW_MS, slackEventsRoute } from '../slack/request-guard.ts';
import { actorLookup, userGroupDirectory } from '../slack/user-groups.ts';
import { SLACK_SOURCE, isUserId } from '../lib/slack-ids.ts';
import { mention } from '../slack/mrkdwn.ts';
import { permissionTable } from './permission-table.ts';
import { createMetrics, metricsRoute } from '../http/metrics.ts';
import { outboxCheck, slackCheck } from '../http/readiness.ts';

export interface AppOptions {
  logger: Logger;
  /** Interface to listen on; all interfaces unless given (tests pass 127.0.0.1). */
  host?: string;
  now?: () => number;
  worker?: { pollMs?: number; backoffBaseMs?: number; backoffMaxMs?: number };
  socketMode?: SocketModeOptions;
  /** The environment runbook steps may take listed names from (default: this process's). */
  processEnv?: Record<string, string | undefined>;
  /** More endpoints on the same server (the sandbox's console). */
  extraRoutes?: Route[];
}

export interface RunningApp {
  url: string;
  port: number;
  /** The second listener's URL, serving /metrics and /readyz, when METRICS_PORT is set. */
  metricsUrl?: string;
  db: Db;
  incidents: IncidentService;
  outbox: OutboxRepository;
  worker: OutboxWorker;
  /** Stops accepting requests, then gives in-flight deliveries `graceMs` before closing the database. */
  stop(graceMs?: number): Promise<void>;
}

/** The composition root: config → db → services → Slack → HTTP routes → worker. */
export async function startApp(config: Config, opts: AppOptions): Promise<RunningApp> {
  const log = opts.logger;
  const now = opts.now ?? Date.now;

  const db = openDatabase(config.databasePath);
  const applied = migrate(db);
  if (applied.length > 0) log.info({ applied }, 'database migrated');

  const timeoutMs = config.settings.outbox.timeout_seconds * 1000;
  const inbox = new InboxRepository(db);
  const seenRequests = new SeenRequestRepository(db);
  const incidentRepo = new IncidentRepository(db);
  const updateRepo = new UpdateRepository(db);
  const postmortemRepo = new PostmortemRepository(db);
  const outbox = new OutboxRepository(db);
  const metrics = createMetrics({ outbox, incidents: incidentRepo }, now);
  const { app: bolt, receiver, client: slack, identity } = createBoltApp(config.slack, log, timeoutMs, opts.socketMode);
  // Socket Mode has no signature to recognise a copy by: its envelope ids are checked instead.
  if (!receiver) bolt.use(socketReplayGuard(seenRequests, log, now));

  // The worker and the service need each other (effects → domain commits → new effects); the
  // service reaches the worker only through this callback.
  const { token, from, apiUrl } = config.pagerduty;
  const pagerduty = token && from ? createPagerDutyClient({ token, from, apiUrl, timeoutMs }) : undefined;
  const comms = config.settings.comms;
  let wake = () => {};
  const incidents = new IncidentService({
    db,
    incidents: incidentRepo,
    updates: updateRepo,
    postmortems: postmortemRepo,
    outbox,
    inbox,
    now,
    policy: {
      cadenceMinutes: config.settings.update_cadence_minutes,
      commsVacantMinutes: config.settings.comms_vacant_reminder_minutes,
      archiveAfterMinutes: config.settings.archive_after_minutes,
      commsRotation: comms.rotation,
      // Without PagerDuty there is no schedule to look up: the rotation names the comms lead.
      commsSchedules: pagerduty
        ? { byService: comms.schedules, fallback: comms.pagerduty_schedule ?? null }
        : { byService: {}, fallback: null },
      shiftCheckMinutes: comms.shift_check_minutes,
      privateServices: config.settings.pagerduty.private_services,
      components: config.settings.components,
      mirrorStatuspage: Boolean(config.statuspage.apiKey && config.statuspage.pageId),
      postmortemOnResolve: config.settings.postmortem.on_resolve,
      permissions: permissionTable(config.settings),
    },
    onEffectsEnqueued: () => wake(),
    viewers: new ViewerRepository(db),
    chat: { source: SLACK_SOURCE, isUser: isUserId },
    principalNames: { user: mention, group: (id) => `members of <!subteam^${id}>` },
  });
  const worker = new OutboxWorker({
    repo: outbox,
    handlers: {
      ...slackEffectHandlers({
        client: slack,
        incidents: incidentRepo,
        settings: config.settings,
        now,
        capture: (id, message) => incidents.captureMessage(id, message),
        botUserId: async () => (await identity()).botUserId,
        publicUrl: config.publicUrl,
      }),
      ...pagerDutyEffectHandlers({
        pagerduty,
        people: slackPeople(slack),
        directory: new DirectoryRepository(db),
        incidents,
        settings: config.settings,
        now,
      }),
      ...postmortemHandlers({
        incidents: incidentRepo,
        updates: updateRepo,
        postmortems: postmortemRepo,
        components: config.settings.components,
        timeZone: config.settings.timezone,
        render: createReportRenderer(config.settings.postmortem.template, config.settings.timezone),
        now,
        github: config.github,
        people: slackPeople(slack),
        files: slackFileShare(slack),
        incidentsService: incidents,
        dataDir: dirname(config.databasePath),
        timeoutMs,
        maxAttempts: config.settings.outbox.max_attempts,
      }),
      // Called only once the worker runs, after everything below exists.
      ...homeEffectHandlers({
        services: { incidents, settings: config.settings },
        client: slack,
        actorFor: (u, g) => actorFor(u, g),
        now,
      }),
      ...statuspageMirrorHandlers({
        config: config.statuspage,
        incidents: incidentRepo,
        updates: updateRepo,
        components: config.settings.components,
        now,
        timeoutMs,
      }),
    },
    logger: log.child({ source: 'outbox' }),
    onOutcome: metrics.delivery,
    now,
    concurrency: config.settings.outbox.concurrency,
    maxAttempts: config.settings.outbox.max_attempts,
    ...opts.worker,
  });
  wake = () => worker.notify();

  // One cache of user groups for every permission check, from any edge or a run's next step.
  const actorFor = actorLookup(userGroupDirectory(slack, now), log.child({ source: 'permissions' }));
  const runbooks = wireRunbooks({
    config,
    db,
    incidents,
    slack,
    pagerduty,
    env: opts.processEnv ?? process.env,
    actorFor,
    log,
    now,
  });
  const runner = runbooks.runner;
  registerSlackEdge(bolt, {
    services: { incidents, settings: config.settings, runbooks },
    client: slack,
    actorFor,
    log,
    now,
    onCommand: metrics.command,
  });

  const status: StatusContext = {
    updates: updateRepo,
    components: config.settings.components,
    pageName: config.settings.status_page.name,
    publicUrl: config.publicUrl,
    timeZone: config.settings.timezone,
    startedAt: now(),
    now,
  };
  const operatorRoutes: Route[] = [
    readinessRoute([databaseCheck(db), slackCheck(slack, now), outboxCheck(outbox, now)]),
    metricsRoute(metrics),
  ];
  const routes: Route[] = [
    livenessRoute(),
    // With METRICS_PORT set they are served there only: the public need not see the bot's insides.
    ...(config.metricsPort === undefined ? operatorRoutes : []),
    ...statusPageRoutes(status, createStatusRenderer(status)),
    pagerDutyWebhookRoute({ secrets: config.pagerduty.webhookSecrets, settings: config.settings, incidents, log }),
    ...(opts.extraRoutes ?? []),
  ];
  if (receiver) {
    routes.push(slackEventsRoute({ receiver, signingSecret: config.slack.signingSecret, seen: seenRequests, log }));
  }
  const server = createHttpServer(routes, log.child({ source: 'http' }), metrics.request);
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : createHttpServer(
          [livenessRoute(), ...operatorRoutes],
          log.child({ source: 'http', listener: 'metrics' }),
          metrics.request,
        );
  await listen(server, config.port, opts.host);
  if (metricsServer) {
    await listen(metricsServer, config.metricsPort!, opts.host).catch(async (error: unknown) => {
      await close(server);
      throw error;
    });
  }
  if (!receiver) await bolt.start();
  worker.start();
  const reminders = startReminderJob(incidents, log.child({ source: 'scheduler' }));
  const retention = startRetentionJob(
    {
      outbox,
      inbox,
      seenRequests,
      signatureWindowMs: SLACK_SIGNATURE_WINDOW_MS,
      retentionDays: config.settings.outbox.retention_days,
      now,
    },
    log.child({ source: 'scheduler' }),
  );

  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host ?? 'localhost'}:${port}`;
  const metricsPort = metricsServer && (metricsServer.address() as AddressInfo).port;
  const metricsUrl = metricsServer && `http://${opts.host ?? 'localhost'}:${metricsPort}`;
  log.info({ port, metrics_port: metricsPort, mode: receiver ? 'http' : 'socket' }, 'incident-bot ready');

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5000) =>
    (stopping ??= (async () => {
      await Promise.all([close(server), metricsServer && close(metricsServer)]);
      if (!receiver) await bolt.stop();
      await reminders.stop();
      await retention.stop();
      // A step still running at shutdown is stopped; the next start reports the run as interrupted.
      runner.stopAll();
      await Promise.race([runner.idle(), new Promise((r) => setTimeout(r, graceMs).unref())]);
      await worker.stop(graceMs);
      db.close();
      log.info('incident-bot stopped');
    })());

  return { url, port, ...(metricsUrl ? { metricsUrl } : {}), db, incidents, outbox, worker, stop };
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

/** Stops accepting, and drops idle and in-flight connections (deliveries are retried by their senders). */
function close(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
