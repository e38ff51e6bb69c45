import type { Db } from '../db/open.ts';
import { ErrorCode, UserError } from '../errors.ts';
import type { OutboxRepository } from '../outbox/repository.ts';
import { openRoomEffects } from './effects.ts';
import type { IncidentRepository } from './repository.ts';
import { DESCRIPTION_MAX, TITLE_MAX, type Incident, type Severity, type UserRef } from './types.ts';

export interface IncidentServiceDeps {
  db: Db;
  incidents: IncidentRepository;
  outbox: OutboxRepository;
  now: () => number;
  /** Called after a transaction that enqueued effects has committed, so delivery starts at once. */
  onEffectsEnqueued: () => void;
}

export interface DeclareInput {
  title: string;
  description?: string | null;
  severity: Severity;
  declaredBy: UserRef;
  source: string;
  externalId?: string | null;
  commander?: UserRef;
}

/** The incident domain: every change is one transaction that also records its timeline and effects. */
export class IncidentService {
  constructor(private readonly deps: IncidentServiceDeps) {}

  declare(input: DeclareInput): Incident {
    const title = input.title.trim();
    if (title.length === 0) throw new UserError(ErrorCode.BadArgument, 'An incident needs a title.');
    if (title.length > TITLE_MAX) {
      throw new UserError(ErrorCode.BadArgument, `An incident title has at most ${TITLE_MAX} characters.`);
    }
    const description = input.description?.trim() || null;
    if (description && description.length > DESCRIPTION_MAX) {
      throw new UserError(ErrorCode.BadArgument, `A description has at most ${DESCRIPTION_MAX} characters.`);
    }
    const { db, incidents, outbox, now } = this.deps;
    const at = now();
    const commander = input.commander ?? input.declaredBy;

    const id = db.transaction(() => {
      const incidentId = incidents.insert({
        title,
        description,
        severity: input.severity,
        source: input.source,
        externalId: input.externalId ?? null,
        declaredBy: input.declaredBy,
        declaredAt: at,
      });
      incidents.appendEvent({
        incidentId,
        at,
        kind: 'declared',
        actor: input.declaredBy,
        body: title,
        data: { severity: input.severity, source: input.source },
      });
      incidents.setRole(incidentId, 'commander', commander, at, input.declaredBy);
      incidents.appendEvent({
        incidentId,
        at,
        kind: 'role_assigned',
        actor: input.declaredBy,
        data: { role: 'commander', user: commander },
      });
      for (const effect of openRoomEffects(incidentId, [input.declaredBy, commander])) {
        outbox.enqueue(effect, at);
      }
      return incidentId;
    })();

    this.deps.onEffectsEnqueued();
    return incidents.get(id)!;
  }

  get(id: number): Incident | undefined {
    return this.deps.incidents.get(id);
  }

  byChannel(channelId: string): Incident | undefined {
    return this.deps.incidents.byChannel(channelId);
  }
}
