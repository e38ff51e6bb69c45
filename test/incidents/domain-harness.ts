import { AutomationEngine } from '../../src/incidents/automations/engine.ts';
import { AutomationRepository } from '../../src/incidents/automations/automation-repository.ts';
import { permissionTable } from '../../src/app/permission-table.ts';
import { expect } from 'vitest';
import { settingsSchema, type Settings } from '../../src/config/settings.ts';
import { migrate } from '../../src/db/migrate.ts';
import type { Db } from '../../src/db/open.ts';
import { openTestDatabase } from '../helpers/test-database.ts';
import { InboxRepository } from '../../src/inbox/inbox-repository.ts';
import { AnnouncementRepository } from '../../src/incidents/announcement-repository.ts';
import type { ExternalEvent, ExternalSnapshot } from '../../src/incidents/external-events.ts';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { actorOf, type Actor, type PrincipalNames } from '../../src/incidents/permissions.ts';
import { PageRepository } from '../../src/incidents/page-repository.ts';
import { PostmortemRepository } from '../../src/incidents/postmortem-repository.ts';
import { IncidentService } from '../../src/incidents/service.ts';
import type { Incident, Severity, TimelineEvent } from '../../src/incidents/types.ts';
import { UpdateRepository } from '../../src/incidents/update-repository.ts';
import { AppError } from '../../src/lib/errors.ts';
import { OutboxRepository } from '../../src/outbox/outbox-repository.ts';

/**
 * The incident domain over an in-memory database with the real migrations and repositories, built
 * as src/app/start-app.ts builds it, with a clock the test moves and a count of worker wake-ups.
 * No HTTP, no Slack: what a change produced is read back from the incident, its roles, its
 * timeline and the outbox rows it enqueued.
 */

export const ALICE = 'UALICE01';
export const BOB = 'UBOB0001';
export const CAROL = 'UCAROL01';
export const DAVE = 'UDAVE001';
export const ADMIN = 'UADMIN01';
export const ADMINS_GROUP = 'SADMINS1';
export const ONCALL_GROUP = 'SONCALL1';

/** 2026-01-15 09:00 UTC: any fixed time will do; tests move it with `advance`. */
export const START = Date.UTC(2026, 0, 15, 9, 0, 0);
export const MINUTE = 60_000;

export interface Effect {
  kind: string;
  idempotencyKey: string;
  orderingKey: string;
  incidentId: number | null;
  payload: Record<string, unknown>;
  availableAt: number;
  priority: number;
}

export interface Counts {
  incidents: number;
  events: number;
  effects: number;
  updates: number;
  roles: number;
  wakes: number;
}

export interface DomainOptions {
  /** Settings-file keys, as YAML would give them (defaults filled in by the real schema). */
  settings?: Record<string, unknown>;
  mirrorStatuspage?: boolean;
  principalNames?: PrincipalNames;
}

export class Domain {
  readonly db: Db;
  readonly service: IncidentService;
  readonly repo: IncidentRepository;
  readonly updateRepo: UpdateRepository;
  readonly outbox: OutboxRepository;
  readonly settings: Settings;
  now = START;
  wakes = 0;

  constructor(opts: DomainOptions = {}) {
    this.db = openTestDatabase(':memory:');
    migrate(this.db);
    this.settings = settingsSchema.parse(opts.settings ?? {});
    this.repo = new IncidentRepository(this.db);
    this.updateRepo = new UpdateRepository(this.db);
    this.outbox = new OutboxRepository(this.db);
    const s = this.settings;
    this.service = new IncidentService({
      db: this.db,
      incidents: this.repo,
      updates: this.updateRepo,
      postmortems: new PostmortemRepository(this.db),
      // The chat edge as the app wires it: its name, and what its user ids look like.
      chat: { source: 'slack', isUser: (id) => /^[UW][A-Z0-9]{2,}$/.test(id) },
      outbox: this.outbox,
      inbox: new InboxRepository(this.db),
      now: () => this.now,
      policy: {
        cadenceMinutes: s.update_cadence_minutes,
        commsVacantMinutes: s.comms_vacant_reminder_minutes,
        archiveAfterMinutes: s.archive_after_minutes,
        commsRotation: s.comms.rotation,
        commsSchedules: { byService: s.comms.schedules, fallback: s.comms.pagerduty_schedule ?? null },
        shiftCheckMinutes: s.comms.shift_check_minutes,
        components: s.components,
        mirrorStatuspage: opts.mirrorStatuspage ?? false,
        postmortemOnResolve: s.postmortem.on_resolve,
        permissions: permissionTable(s),
        announcements: s.announcements.channel ? { minSeverity: s.announcements.min_severity } : null,
        paging: {
          source: 'pagerduty',
          name: 'PagerDuty',
          unavailable: null,
          policyService: s.pagerduty.page_service ?? null,
          noPolicyService: 'Set pagerduty.page_service.',
        },
      },
      announcements: new AnnouncementRepository(this.db),
      pages: new PageRepository(this.db),
      onEffectsEnqueued: () => {
        this.wakes++;
      },
      principalNames: opts.principalNames,
      automations: new AutomationEngine(s.automations, new AutomationRepository(this.db)),
    });
  }

  advance(ms: number): number {
    this.now += ms;
    return this.now;
  }

  /** Declares a sev3 "API errors" incident as `by` (commander too unless given). */
  declare(by = ALICE, extra: Partial<Parameters<IncidentService['declare']>[0]> = {}): Incident {
    return this.service.declare({ title: 'API errors', severity: 'sev3', declaredBy: by, source: 'slack', ...extra });
  }

  incident(id: number): Incident {
    const incident = this.service.get(id);
    if (!incident) throw new Error(`no incident #${id}`);
    return incident;
  }

  timeline(id: number): TimelineEvent[] {
    return this.repo.timeline(id);
  }

  kinds(id: number): string[] {
    return this.timeline(id).map((e) => e.kind);
  }

  roleOf(id: number, role: 'commander' | 'comms'): string | null {
    return this.service.roles(id).find((r) => r.role === role)?.userId ?? null;
  }

  /** The outbox rows, in the order they were enqueued (all incidents, or one). */
  effects(incidentId?: number): Effect[] {
    type Row = {
      kind: string;
      idempotency_key: string;
      ordering_key: string;
      incident_id: number | null;
      payload: string;
      available_at: number;
      priority: number;
    };
    const rows = this.db
      .prepare(
        'SELECT kind, idempotency_key, ordering_key, incident_id, payload, available_at, priority FROM outbox ORDER BY id',
      )
      .all() as Row[];
    return rows
      .filter((r) => incidentId === undefined || r.incident_id === incidentId)
      .map((r) => ({
        kind: r.kind,
        idempotencyKey: r.idempotency_key,
        orderingKey: r.ordering_key,
        incidentId: r.incident_id,
        payload: JSON.parse(r.payload) as Record<string, unknown>,
        availableAt: r.available_at,
        priority: r.priority,
      }));
  }

  /** The notices enqueued for an incident, by their payload. */
  notices(incidentId: number): Record<string, unknown>[] {
    return this.effects(incidentId)
      .filter((e) => e.kind === 'channel.notice')
      .map((e) => e.payload.notice as Record<string, unknown>);
  }

  /** Effects enqueued by whatever `fn` does. */
  effectsOf(fn: () => unknown): Effect[] {
    const before = this.effects().length;
    fn();
    return this.effects().slice(before);
  }

  counts(): Counts {
    const count = (table: string) => this.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    return {
      incidents: count('incidents'),
      events: count('timeline_events'),
      effects: count('outbox'),
      updates: count('incident_updates'),
      roles: count('incident_roles'),
      wakes: this.wakes,
    };
  }

  /**
   * Runs a change that must be refused: it throws a coded error and leaves everything as it was
   * (no incident row, role, update, timeline event or outbox row; no wake-up). Returns the error.
   */
  refused(fn: () => unknown, code: string): AppError {
    const before = this.counts();
    const incidentsBefore = this.service.listOpen().map((i) => JSON.stringify(i));
    let caught: unknown;
    try {
      fn();
    } catch (error) {
      caught = error;
    }
    expect(caught, 'the change was not refused').toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe(code);
    expect(this.counts()).toEqual(before);
    expect(this.service.listOpen().map((i) => JSON.stringify(i))).toEqual(incidentsBefore);
    return caught as AppError;
  }

  close(): void {
    this.db.close();
  }
}

export const actor = (id: string, groups: string[] = []): Actor => actorOf(id, groups);

/** What PagerDuty's edge hands the domain, with a complete snapshot unless told otherwise. */
export function pagerEvent(
  kind: ExternalEvent['kind'],
  deliveryId: string,
  occurredAt: number,
  extra: Partial<Omit<ExternalEvent, 'snapshot'>> & { snapshot?: Partial<ExternalSnapshot> } = {},
): ExternalEvent {
  const { snapshot, ...rest } = extra;
  return {
    source: 'pagerduty',
    sourceName: 'PagerDuty',
    deliveryId,
    externalId: 'PINC001',
    kind,
    occurredAt,
    actor: 'Pat Pager',
    snapshot: {
      title: 'Checkout latency high',
      complete: true,
      dedupKey: null,
      url: 'https://acme.pagerduty.com/incidents/PINC001',
      serviceName: 'checkout',
      severity: 'sev2' as Severity,
      assignees: [{ id: 'PUSER01', name: 'Pat Pager' }],
      description: null,
      ...snapshot,
    },
    ...rest,
  };
}
