import type { Change } from './core.ts';
import { noticeEffect, resolvePeopleEffect } from './effect-kinds.ts';
import type { ApplyOutcome, ExternalEvent } from './external-events.ts';
import type { LinkedPage, PageRepository } from './page-repository.ts';
import type { ExternalUser } from './types.ts';

type PageApplier = (pages: PageRepository, change: Change, page: LinkedPage, ev: ExternalEvent) => boolean;

/**
 * What the paging system's events about a page sent from an incident do. That page is help asked
 * for, not the incident: its acknowledgement brings the responder into the room but does not
 * acknowledge the incident, and its resolution does not resolve it. Kinds not listed change nothing.
 */
const PAGE_EVENTS: Partial<Record<ExternalEvent['kind'], PageApplier>> = {
  acknowledged: (pages, change, page, ev) => {
    if (!pages.acknowledged(page.id, ev.occurredAt)) return false;
    const people = responders(ev);
    change.event({
      incidentId: page.incidentId,
      at: ev.occurredAt,
      kind: 'page_acknowledged',
      actor: ev.actor,
      body: page.title,
      data: { via: ev.source, page_id: page.id, external_id: ev.externalId, responders: people },
    });
    change.effect(
      noticeEffect(page.incidentId, ev.deliveryId, {
        type: 'page_acknowledged',
        via: ev.sourceName,
        by: ev.actor ?? people.map((p) => p.name).join(', '),
        externalId: ev.externalId,
        url: ev.snapshot.url ?? page.externalUrl,
      }),
    );
    if (people.length > 0)
      change.effect(resolvePeopleEffect(page.incidentId, ev.deliveryId, ev.source, people, 'invite'));
    return true;
  },
  resolved: (pages, change, page, ev) => {
    if (page.status === 'resolved') return false;
    pages.resolved(page.id);
    change.event({
      incidentId: page.incidentId,
      at: ev.occurredAt,
      kind: 'page_resolved',
      actor: ev.actor,
      body: page.title,
      data: { via: ev.source, page_id: page.id, external_id: ev.externalId },
    });
    return true;
  },
};

/** Who acknowledged (the event's agent, when a person) and whom the page is assigned to, each once. */
function responders(ev: ExternalEvent): ExternalUser[] {
  const seen = new Map<string, ExternalUser>();
  for (const p of [...(ev.actorRef ? [ev.actorRef] : []), ...ev.snapshot.assignees])
    if (!seen.has(p.id)) seen.set(p.id, p);
  return [...seen.values()];
}

/**
 * Applies an event about a page sent from one of our incidents (found by its id there or, when the
 * event beats the answer to our request, by the key we gave it). Null when it is not such a page.
 */
export function applyPageEvent(
  pages: PageRepository | undefined,
  change: Change,
  ev: ExternalEvent,
): { outcome: ApplyOutcome; incidentId: number } | null {
  const page = pages?.find(ev.source, ev.externalId, ev.snapshot.dedupKey);
  if (!pages || !page || page.source !== ev.source) return null;
  if (!page.externalId) pages.created(page.id, ev.externalId, ev.snapshot.url, change.at);
  const apply = PAGE_EVENTS[ev.kind];
  const applied = apply ? apply(pages, change, pages.get(page.id)!, ev) : false;
  return { outcome: applied ? 'applied' : 'no_change', incidentId: page.incidentId };
}
