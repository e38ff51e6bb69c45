import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config.ts';
import { migrate } from '../db/migrate.ts';
import { groupCommit } from '../db/group-commit.ts';
import type { Db } from '../db/open.ts';
import { checkpointWhenBusy } from '../db/checkpoint-when-busy.ts';
import { engineOf, openStorage } from '../db/open-storage.ts';
import { StorageHealth, volumeFreeSpace, type FreeSpaceReader } from '../db/storage-health.ts';
import { postgresCheck, storageCheck } from '../http/storage-readiness.ts';
import { startStorageMaintenanceJob, type CheckpointResult } from '../scheduler/storage-maintenance.ts';
import { databaseCheck, livenessRoute, readinessRoute } from '../http/health.ts';
import { createHttpServer, type Route } from '../http/server.ts';
import { requestsInFlight, type RequestsInFlight } from '../http/requests-in-flight.ts';
import { InboxRepository } from '../inbox/inbox-repository.ts';
import { SeenRequestRepository } from '../inbox/seen-requests.ts';
import { IncidentRepository } from '../incidents/incident-repository.ts';
import { IncidentService } from '../incidents/service.ts';
import { UpdateRepository } from '../incidents/update-repository.ts';
import { MaintenanceRepository } from '../incidents/maintenance-repository.ts';
import { MaintenanceService } from '../incidents/maintenance.ts';
import { Permissions } from '../incidents/permissions.ts';
import { startMaintenanceJob } from '../scheduler/maintenance.ts';
import { startMergedReportJob } from '../scheduler/merged-reports.ts';
import { PublicReportRepository, PublicReports } from '../incidents/public-report.ts';
import { mergedReportChecker } from '../postmortem/merge-check.ts';
import { followupStateChecker } from '../postmortem/followup-state.ts';
import { startFollowupStateJob } from '../scheduler/followup-state.ts';
import { startMonthlySummaryJob } from '../scheduler/monthly-summary.ts';
import { insightsSummaryHandlers } from '../slack/insights-summary-effects.ts';
import { prReminderHandlers } from '../slack/pr-reminder-effects.ts';
import { PrReminders, pullRequestOpen } from '../postmortem/pr-reminders.ts';
import type { SummaryOutcome } from '../insights/monthly-summary.ts';
import { lazyGitHubClient } from '../postmortem/github-client.ts';
import { statuspageMaintenanceHandlers } from '../statuspage/mirror-maintenance.ts';
import { ComponentHistoryRepository } from '../statuspage/history-repository.ts';
import { historyRecorder } from '../statuspage/history.ts';
import { statusWebhookHandlers } from '../statuspage/webhooks.ts';
import { statusWebhookEffects } from '../incidents/effect-kinds.ts';
import { AppError, ErrorCode } from '../lib/errors.ts';
import { PostmortemRepository } from '../incidents/postmortem-repository.ts';
import type { Logger } from '../lib/logger.ts';
import { OutboxRepository } from '../outbox/outbox-repository.ts';
import { OutboxWorker } from '../outbox/worker.ts';
import { createBoltApp, type SocketModeOptions } from '../slack/bolt-app.ts';
import { SlackPacer } from '../slack/rate-pacer.ts';
import { socketReplayGuard } from '../slack/socket-replay.ts';
import { slackEffectHandlers } from '../slack/channel-effects.ts';
import { announcementHandlers } from '../slack/announcement-effects.ts';
import { AnnouncementRepository } from '../incidents/announcement-repository.ts';
import { maintenanceChannelHandlers } from '../slack/maintenance-channel-effects.ts';
import { slackFileShare } from '../slack/file-share.ts';
import { slackPeople } from '../slack/people-directory.ts';
import { DirectoryRepository } from '../pagerduty/directory.ts';
import { classifyPagerDutyError, pagerDutyEffectHandlers } from '../pagerduty/rest-effects.ts';
import { pageEffectHandlers } from '../pagerduty/page-effects.ts';
import { SOURCE as PAGERDUTY_SOURCE, SOURCE_NAME as PAGERDUTY_NAME } from '../pagerduty/map-event.ts';
import { PageRepository } from '../incidents/page-repository.ts';
import { createPagerDutyClient } from '../pagerduty/rest-client.ts';
import { watchTokenRefusals } from '../pagerduty/token-watch.ts';
import { pagerDutyWebhookRoute } from '../pagerduty/webhook-route.ts';
import { alertmanagerWebhookRoute } from '../alertmanager/route.ts';
import { AlertGroupRepository } from '../incidents/alert-group-repository.ts';
import type { StatusContext } from '../statuspage/model.ts';
import { createStatusRenderer } from '../statuspage/render.ts';
import { statusPageRoutes } from '../statuspage/routes.ts';
import { publicVersion } from '../statuspage/public-version.ts';
import { statuspageMirrorHandlers } from '../statuspage/mirror.ts';
import { postmortemHandlers } from '../postmortem/publish-effect.ts';
import { createReportRenderer } from '../postmortem/render.ts';
import { dirname } from 'node:path';
import { startReminderJob } from '../scheduler/reminders.ts';
import { startRetentionJob } from '../scheduler/retention.ts';
import { JobLeases } from '../scheduler/job-lease.ts';
import { ReplicaHeartbeat, startHeartbeatJob } from '../scheduler/heartbeat.ts';
import { previousLife, replicaId } from './replica-id.ts';
import { wireRunbooks } from './wire-runbooks.ts';
import { automationEngine, automationHandlers } from './wire-automations.ts';
import { registerSlackEdge } from '../slack/register-all.ts';
import { homeEffectHandlers } from '../slack/register-home.ts';
import { MemberRepository } from '../incidents/member-repository.ts';
import { ViewerRepository } from '../incidents/viewer-repository.ts';
import { SLACK_SIGNATURE_WINDOW_MS, slackEventsRoute } from '../slack/request-guard.ts';
import { actorLookup, userGroupDirectory } from '../slack/user-groups.ts';
import { SLACK_SOURCE, isUserId } from '../lib/slack-ids.ts';
import { mention } from '../slack/mrkdwn.ts';
import { permissionTable } from './permission-table.ts';
import { createMetrics, metricsRoute } from '../http/metrics.ts';
import { outboxCheck, refusedCredentialsCheck, slackCheck } from '../http/readiness.ts';
import { inSpan } from '../lib/telemetry.ts';
import { startTelemetry } from './telemetry.ts';
import { AuditRepository } from '../audit/audit-repository.ts';
import { wireInsights } from './wire-insights.ts';
import { registerInsightsMetrics } from '../insights/prometheus.ts';

export interface AppOptions {
  logger: Logger;
  /** Interface to listen on; all interfaces unless given (tests pass 127.0.0.1). */
  host?: string;
  now?: () => number;
  worker?: { pollMs?: number; backoffBaseMs?: number; backoffMaxMs?: number; maxYieldMs?: number };
  socketMode?: SocketModeOptions;
  /**
   * Slack's rate limits compressed in time (×60: a minute's allowance a second), to match a fake Slack
   * enforcing them so (benchmarks, tests). 1 unless given.
   */
  slackRateScale?: number;
  /** The environment runbook steps may take listed names from (default: this process's). */
  processEnv?: Record<string, string | undefined>;
  /** More endpoints on the same server (the sandbox's console). */
  extraRoutes?: Route[];
  /**
   * The database's volume: how free space is read (default: statfs of its folder) and how often a
   * write is tried again after a storage error (default 5 s). Tests report a nearly full disk here.
   * `maxPageCount` caps the database file right after it opens (SQLite's `max_page_count`, which lasts
   * as long as the connection): tests start the bot on a disk that is already full with it.
   */
  storage?: { freeBytes?: FreeSpaceReader; probeMs?: number; maxPageCount?: number };
  /** This process's name among replicas sharing the database (default `host:pid:random`, see replica-id.ts). */
  replicaId?: string;
  /** How many log lines have been dropped so far because their reader fell behind (see log-output.ts). */
  logDropped?: () => number;
}

export interface RunningApp {
  url: string;
  port: number;
  /** The second listener's URL, serving /metrics and /readyz, when METRICS_PORT is set. */
  metricsUrl?: string;
  db: Db;
  incidents: IncidentService;
  maintenances: MaintenanceService;
  /** Publishes the public part of reports whose pull request GitHub says is merged (also every 5 minutes). */
  checkMergedReports(): Promise<number>;
  /** Reads the state of follow-up issues whose turn has come from GitHub (also every 5 minutes). */
  checkFollowupStates(): Promise<{ asked: number; unchanged: number; closed: number }>;
  /** Queues last month's insights summary if it is due and not yet claimed (also every 15 minutes). */
  runMonthlySummary(): SummaryOutcome;
  /** Queues reminders of report pull requests still open N days after resolution (also on the reminder tick). */
  remindOpenReports(): number;
  outbox: OutboxRepository;
  worker: OutboxWorker;
  /** Whether the database takes writes, and its volume's free space. */
  storage: StorageHealth;
  /** Runs the minute's storage maintenance now: the free-space check and a WAL checkpoint (truncating it). */
  checkpoint(): CheckpointResult;
  /** This replica's name among those sharing the database. */
  replicaId: string;
  /** One round of the runbook sweep now, as every 15 s (on the replica holding its lease): silent replicas' runs interrupted. */
  sweepRunbooks(): Promise<void>;
  /** Stops accepting requests, then gives in-flight deliveries `graceMs` before closing the database. */
  stop(graceMs?: number): Promise<void>;
}

/** What an outbox claim holds beyond the vendor timeout: the outcome's write, a busy event loop. */
const OUTBOX_LEASE_MARGIN_MS = 5000;

/** The composition root: config → db → services → Slack → HTTP routes → worker. */
export async function startApp(config: Config, opts: AppOptions): Promise<RunningApp> {
  const log = opts.logger;
  const now = opts.now ?? Date.now;
  // This start among the replicas sharing the database: what its claims (outbox rows, job leases,
  // runbook runs) are held by. A restarted process is another replica.
  const replica = opts.replicaId ?? replicaId();
  // Tracing (off unless OTEL_* asks for it) comes first: a bad protocol stops start before anything opens.
  const telemetry = await startTelemetry(opts.processEnv ?? process.env, log);
  const { tracer } = telemetry;

  // Checked before anything opens: a webhook without its secret stops the start, naming the variable.
  const env = opts.processEnv ?? process.env;
  const statusWebhooks = config.settings.status_page.webhooks.map((w, i) => {
    const secret = env[w.secret_env];
    if (!secret)
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `status_page.webhooks[${i}].secret_env names ${w.secret_env}, which is not set: set it to the secret the endpoint checks signatures with.`,
      );
    return { url: w.url, secret };
  });

  const db = openStorage(config);
  const engine = engineOf(db);
  if (opts.storage?.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.trunc(opts.storage.maxPageCount)}`);
  const applied = migrate(db);
  if (applied.length > 0) log.info({ event: 'db.migrated', applied }, 'database migrated');
  const storage = new StorageHealth({
    db,
    log: log.child({ source: 'storage' }),
    // PostgreSQL's disk is its server's: it tells when it is full (SQLSTATE 53100), the probe hears it.
    freeBytes:
      opts.storage?.freeBytes ?? (engine === 'postgres' ? () => undefined : volumeFreeSpace(config.databasePath)),
    minFreeMb: config.settings.storage.min_free_mb,
    now,
    probeMs: opts.storage?.probeMs,
  });
  // A disk that filled while the bot was down: known now, so the bot starts degraded (reads, the
  // status page, 503s to senders) and its own start-up writes wait for the probe to find room.
  storage.check();
  // Several replicas may share the database: each says it is alive (before it can start a runbook
  // run), and runs a scheduled job's round only while it holds that job's lease.
  const replicas = new ReplicaHeartbeat(db, replica, now);
  const heartbeat = startHeartbeatJob(replicas, log.child({ source: 'scheduler' }), storage);
  const leases = new JobLeases(db, replica, now);

  const timeoutMs = config.settings.outbox.timeout_seconds * 1000;
  const [privateOwner, privateName] = config.settings.postmortem.private_repo?.split('/') ?? [];
  const privateRepo = privateOwner && privateName ? { owner: privateOwner, name: privateName } : undefined;
  const inbox = new InboxRepository(db);
  const seenRequests = new SeenRequestRepository(db);
  const incidentRepo = new IncidentRepository(db);
  const updateRepo = new UpdateRepository(db);
  const postmortemRepo = new PostmortemRepository(db);
  const maintenanceRepo = new MaintenanceRepository(db);
  const reportRepo = new PublicReportRepository(db);
  const outbox = new OutboxRepository(db);
  const audit = new AuditRepository(db);
  const announcementRepo = new AnnouncementRepository(db);
  const { announcements: announcing } = config.settings;
  const pageRepo = new PageRepository(db);
  const metrics = createMetrics({ outbox, incidents: incidentRepo, storage, logDropped: opts.logDropped }, now);
  const status: StatusContext = {
    updates: updateRepo,
    maintenances: maintenanceRepo,
    components: config.settings.components,
    pageName: config.settings.status_page.name,
    publicUrl: config.publicUrl,
    timeZone: config.settings.timezone,
    history: new ComponentHistoryRepository(db),
    reports: reportRepo,
    startedAt: now(),
    now,
    version: publicVersion(
      () => `${updateRepo.publicVersion()}:${maintenanceRepo.version()}:${reportRepo.lastPublishedAt()}`,
    ),
  };
  // The pacer keeps real time whatever `now` says: it is about when Slack sees the calls.
  const scale = opts.slackRateScale ?? config.slack.rateScale;
  // Slack's limits are per workspace: each live replica paces at its share, the remainder to the first places
  // (replicas and places counted at each heartbeat and between them).
  const pacer = new SlackPacer({
    scale,
    log: log.child({ source: 'slack' }),
    share: () => replicas.live,
    rank: () => replicas.rank,
  });
  const {
    app: bolt,
    receiver,
    client: slack,
    identity,
  } = createBoltApp(config.slack, log, timeoutMs, opts.socketMode, pacer);
  // Socket Mode has no signature to recognise a copy by: its envelope ids are checked instead.
  if (!receiver) bolt.use(socketReplayGuard(seenRequests, log, now));

  // The worker and the service need each other (effects → domain commits → new effects); the
  // service reaches the worker only through this callback.
  const { token, from, apiUrl } = config.pagerduty;
  // Every PagerDuty call is watched for a refused token, which /readyz then names with its fix.
  const pagerdutyToken =
    token && from ? watchTokenRefusals(createPagerDutyClient({ token, from, apiUrl, timeoutMs })) : undefined;
  const pagerduty = pagerdutyToken?.client;
  const comms = config.settings.comms;
  let wake = () => {};
  // Set once the status page's context exists; committed changes then record component history.
  let recordHistory = () => {};
  // Once per event-loop turn, after the changes of that turn have answered: a command's ack does not
  // wait for it, and a burst of commands costs one recording. A crash before it runs is caught up at start.
  let historyDue = false;
  const onCommitted = () => {
    status.version.changed();
    if (historyDue) return;
    historyDue = true;
    setImmediate(() => {
      historyDue = false;
      // The app stopped in between: what is left is caught up at the next start.
      if (!db.open) return;
      try {
        recordHistory();
      } catch (error) {
        log.error({ err: error }, 'recording component history failed');
      }
    });
  };
  const automations = automationEngine(db, config.settings.automations);
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
      statusWebhooks: statusWebhooks.length,
      postmortemOnResolve: config.settings.postmortem.on_resolve,
      permissions: permissionTable(config.settings),
      announcements: announcing.channel ? { minSeverity: announcing.min_severity } : null,
      paging: {
        source: PAGERDUTY_SOURCE,
        name: PAGERDUTY_NAME,
        unavailable: pagerduty
          ? null
          : 'Paging needs PagerDuty: set PAGERDUTY_TOKEN and PAGERDUTY_FROM on the bot. Nothing was paged.',
        policyService: config.settings.pagerduty.page_service ?? null,
        noPolicyService:
          'PagerDuty files every page under a service: set pagerduty.page_service in the settings file ' +
          'to page an escalation policy from an incident PagerDuty did not open, or page a service instead.',
      },
    },
    pages: pageRepo,
    onEffectsEnqueued: () => wake(),
    storageFailure: (error) => storage.failure(error),
    onCommitted,
    viewers: new ViewerRepository(db),
    members: new MemberRepository(db),
    chat: { source: SLACK_SOURCE, isUser: isUserId },
    principalNames: { user: mention, group: (id) => `members of <!subteam^${id}>` },
    span: (name, fn) => inSpan(tracer, name, {}, fn),
    audit,
    alertGroups: new AlertGroupRepository(db),
    announcements: announcementRepo,
    automations,
  });
  const maintenances = new MaintenanceService({
    db,
    maintenances: maintenanceRepo,
    outbox,
    now,
    components: config.settings.components,
    mirrorStatuspage: Boolean(config.statuspage.apiKey && config.statuspage.pageId),
    who: config.settings.status_page.maintenance,
    permissions: new Permissions(permissionTable(config.settings), { user: mention, group: (id) => id }),
    onEffectsEnqueued: () => wake(),
    onCommitted,
    publicEffects: (m, updateId) =>
      statusWebhookEffects(statusWebhooks.length, `maintenance-update:${updateId}`, { maintenanceId: m.id }),
  });
  const reports = new PublicReports({
    db,
    incidents: incidentRepo,
    updates: updateRepo,
    postmortems: postmortemRepo,
    reports: reportRepo,
    outbox,
    components: config.settings.components,
    now,
    authorize: (incident, actor) => incidents.authorize(incident, actor, 'publish'),
    publicEffects: (incidentId) => statusWebhookEffects(statusWebhooks.length, `report:${incidentId}`, { incidentId }),
    onEffectsEnqueued: () => wake(),
    onCommitted,
  });
  // One GitHub client for the process: the outbox publishing reports, the jobs and the reminders (a
  // token is accepted only with GITHUB_REPO). Made on first use, with the outbox's deadline.
  const github =
    config.github.token && config.github.repo
      ? lazyGitHubClient({ token: config.github.token, apiUrl: config.github.apiUrl, timeoutMs })
      : undefined;
  // Report pull requests still open after resolution (postmortem.remind_open_pr_days): queued on the reminder tick.
  const prReminders = new PrReminders({
    db,
    outbox,
    days: config.settings.postmortem.remind_open_pr_days,
    now,
    onEnqueued: () => wake(),
  });
  const worker = new OutboxWorker({
    repo: outbox,
    replica,
    // A claim outlasts one vendor call (and is renewed while a delivery makes more): a crashed
    // replica's rows wait this long for another replica, no longer.
    leaseMs: timeoutMs + OUTBOX_LEASE_MARGIN_MS,
    handlers: {
      ...slackEffectHandlers({
        client: slack,
        incidents: incidentRepo,
        settings: config.settings,
        now,
        capture: (id, message) => incidents.captureMessage(id, message),
        invited: (id, users) => incidents.invitedToRoom(id, users),
        botUserId: async () => (await identity()).botUserId,
        publicUrl: config.publicUrl,
      }),
      ...announcementHandlers({
        client: slack,
        incidents: incidentRepo,
        announcements: announcementRepo,
        channel: announcing.channel,
        now,
      }),
      ...pagerDutyEffectHandlers({
        pagerduty,
        people: slackPeople(slack),
        directory: new DirectoryRepository(db),
        incidents,
        settings: config.settings,
        now,
      }),
      ...pageEffectHandlers({
        pagerduty,
        people: slackPeople(slack),
        pages: pageRepo,
        incidents,
        from,
        classify: classifyPagerDutyError,
        maxAttempts: config.settings.outbox.max_attempts,
      }),
      ...postmortemHandlers({
        incidents: incidentRepo,
        updates: updateRepo,
        postmortems: postmortemRepo,
        components: config.settings.components,
        timeZone: config.settings.timezone,
        render: createReportRenderer(config.settings.postmortem.template, config.settings.timezone),
        now,
        repo: config.github.repo,
        github,
        privateRepo,
        people: slackPeople(slack),
        files: slackFileShare(slack),
        incidentsService: incidents,
        publicDraft: (id) => reports.draft(id),
        dataDir: dirname(config.databasePath),
        maxAttempts: config.settings.outbox.max_attempts,
      }),
      ...statusWebhookHandlers({ ctx: status, endpoints: statusWebhooks, timeoutMs }),
      ...maintenanceChannelHandlers({
        client: slack,
        maintenances: maintenanceRepo,
        components: config.settings.components,
        timeZone: config.settings.timezone,
      }),
      ...statuspageMaintenanceHandlers({
        config: config.statuspage,
        maintenances: maintenanceRepo,
        components: config.settings.components,
        timeoutMs,
      }),
      // Called only once the worker runs, after everything below exists.
      ...homeEffectHandlers({
        services: { incidents, settings: config.settings },
        client: slack,
        actorFor: (u, g) => actorFor(u, g),
        now,
      }),
      // Called only once the worker runs, after the runner exists.
      ...automationHandlers({ engine: automations, incidents, runbooks: () => runbooks }),
      ...insightsSummaryHandlers({ client: slack }),
      ...prReminderHandlers({
        client: slack,
        pullRequestOpen: pullRequestOpen({ github, repo: config.github.repo, privateRepo }),
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
    tracer,
    now,
    concurrency: config.settings.outbox.concurrency,
    laneWaitMs: (lane) => pacer.laneWaitMs(lane),
    maxAttempts: config.settings.outbox.max_attempts,
    storage,
    // Acks go first: no delivery starts while the server owes a request its answer (see below).
    answering: () => (answering?.count ?? 0) > 0,
    ...opts.worker,
  });
  let answering: RequestsInFlight | undefined;
  wake = () => worker.notify();
  storage.onRecovered(() => worker.notify());

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
    storage,
    replica: { id: replica, previousLife: previousLife(replica) },
    leases,
  });
  const runner = runbooks.runner;
  const insights = wireInsights(config, db, now, { repo: outbox, wake: () => wake() });
  registerInsightsMetrics(metrics.registry, insights.repository);
  registerSlackEdge(bolt, {
    services: { incidents, settings: config.settings, runbooks, maintenances, reports, insights: insights.service },
    client: slack,
    actorFor,
    log,
    now,
    onCommand: metrics.command,
    storage,
    tracer,
  });

  recordHistory = historyRecorder(status, status.history, (c) => {
    const effects = statusWebhookEffects(statusWebhooks.length, `component:${c.id}`, {
      componentId: c.componentId,
      old: c.old,
      new: c.new,
      at: c.at,
      changeId: c.id,
    });
    outbox.enqueueAll(effects, c.at);
    if (effects.length > 0) setImmediate(() => wake());
  });
  storage.whenWritable('recording component history', () => void recordHistory());
  const operatorRoutes: Route[] = [
    readinessRoute([
      engine === 'postgres' ? postgresCheck(db, now) : databaseCheck(db),
      storageCheck(storage),
      slackCheck(slack, now),
      outboxCheck(outbox, now),
      ...(pagerdutyToken ? [refusedCredentialsCheck('pagerduty', pagerdutyToken.refusal)] : []),
    ]),
    metricsRoute(metrics),
  ];
  const routes: Route[] = [
    livenessRoute(),
    // With METRICS_PORT set they are served there only: the public need not see the bot's insides.
    ...(config.metricsPort === undefined ? operatorRoutes : []),
    ...statusPageRoutes(status, createStatusRenderer(status)),
    ...insights.routes,
    pagerDutyWebhookRoute({
      secrets: config.pagerduty.webhookSecrets,
      settings: config.settings,
      incidents,
      log,
      tracer,
      commit: groupCommit(db, { failure: (error) => storage.failure(error) }),
    }),
    alertmanagerWebhookRoute({ token: config.alertmanager.token, settings: config.settings, incidents, log, tracer }),
    ...(opts.extraRoutes ?? []),
  ];
  if (receiver) {
    routes.push(
      slackEventsRoute({
        receiver,
        signingSecret: config.slack.signingSecret,
        seen: seenRequests,
        log,
        storage,
        tell: (channel, user, text) =>
          slack.chat
            .postEphemeral({ channel, user, text })
            .catch((error: unknown) => log.warn({ err: error }, 'could not tell a person their request was refused')),
      }),
    );
  }
  const server = createHttpServer(routes, log.child({ source: 'http' }), metrics.request);
  answering = requestsInFlight(server, () => worker.answered());
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
  // A crash left this process's last life holding the rows it was delivering: free them now rather
  // than after their lease (a single process would otherwise wait that long after every crash).
  try {
    const freed = outbox.releaseClaimsOf(previousLife(replica));
    if (freed > 0)
      log.info(
        { event: 'outbox.claims_released', rows: freed, replica },
        'took over the rows a previous run of this process held',
      );
  } catch (error) {
    if (!storage.failure(error)) throw error;
  }
  worker.start();
  const remindOpenReports = () => prReminders.runOnce();
  const reminders = startReminderJob(incidents, log.child({ source: 'scheduler' }), storage, tracer, {
    openReports: remindOpenReports,
    leases,
  });
  // PostgreSQL checkpoints in its own server; SQLite in whichever connection commits, unless this thread does.
  const checkpoints = engine === 'sqlite' ? checkpointWhenBusy(db, log.child({ source: 'storage' })) : undefined;
  const maintenance = startStorageMaintenanceJob({ db, storage, checkpoints }, log.child({ source: 'scheduler' }));
  const maintenanceJob = startMaintenanceJob(maintenances, log.child({ source: 'scheduler' }), storage, leases);
  const checkMergedReports = mergedReportChecker({
    github,
    repo: config.github.repo,
    privateRepo,
    reports: reportRepo,
    publish: reports,
    log: log.child({ source: 'scheduler' }),
  });
  const mergeJob = startMergedReportJob(checkMergedReports, log.child({ source: 'scheduler' }), storage, leases);
  const checkFollowupStates = followupStateChecker({
    github,
    repo: config.github.repo,
    postmortems: postmortemRepo,
    now,
    log: log.child({ source: 'scheduler' }),
  });
  const followupJob = startFollowupStateJob(checkFollowupStates, log.child({ source: 'scheduler' }), storage, leases);
  const runMonthlySummary = () => insights.monthlySummary.runOnce();
  const summaryJob = startMonthlySummaryJob(runMonthlySummary, log.child({ source: 'scheduler' }), storage, leases);
  const retention = startRetentionJob(
    {
      outbox,
      inbox,
      seenRequests,
      signatureWindowMs: SLACK_SIGNATURE_WINDOW_MS,
      retentionDays: config.settings.outbox.retention_days,
      audit: { repo: audit, retentionDays: config.settings.audit.retention_days },
      now,
      storage,
      tracer,
      leases,
    },
    log.child({ source: 'scheduler' }),
  );

  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host ?? 'localhost'}:${port}`;
  const metricsPort = metricsServer && (metricsServer.address() as AddressInfo).port;
  const metricsUrl = metricsServer && `http://${opts.host ?? 'localhost'}:${metricsPort}`;
  log.info(
    { event: 'bot.ready', port, metrics_port: metricsPort, mode: receiver ? 'http' : 'socket', replica },
    'incident-bot ready',
  );

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5000) =>
    (stopping ??= (async () => {
      await Promise.all([close(server), metricsServer && close(metricsServer)]);
      if (!receiver) await bolt.stop();
      await reminders.stop();
      await maintenanceJob.stop();
      await mergeJob.stop();
      await followupJob.stop();
      await summaryJob.stop();
      await retention.stop();
      await runbooks.sweep.stop();
      await maintenance.stop();
      // A step still running at shutdown is stopped; the next start reports the run as interrupted.
      runner.stopAll();
      await Promise.race([runner.idle(), new Promise((r) => setTimeout(r, graceMs).unref())]);
      // With our heartbeat gone, another replica (or our next start) reports those runs at once.
      heartbeat.stop();
      await worker.stop(graceMs);
      storage.stop();
      await checkpoints?.stop();
      db.close();
      await telemetry.shutdown();
      log.info({ event: 'bot.stopped' }, 'incident-bot stopped');
    })());

  return {
    url,
    port,
    ...(metricsUrl ? { metricsUrl } : {}),
    db,
    incidents,
    maintenances,
    checkMergedReports,
    checkFollowupStates,
    runMonthlySummary,
    remindOpenReports,
    outbox,
    worker,
    storage,
    checkpoint: maintenance.runOnce,
    replicaId: replica,
    sweepRunbooks: runbooks.sweep.round,
    stop,
  };
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
