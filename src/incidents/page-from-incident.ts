import { ErrorCode, UserError } from '../lib/errors.ts';
import type { Change, Core, PagingPolicy } from './core.ts';
import { noticeEffect, pageEffect } from './effect-kinds.ts';
import { resolvedFirst } from './lifecycle.ts';
import type { LinkedPage, PageRepository, PageTarget } from './page-repository.ts';
import type { Actor } from './permissions.ts';
import type { Incident } from './types.ts';

/** The longest title a page is given; the paging system's own limit is larger, people read less. */
export const PAGE_TITLE_MAX = 1000;

/** The paging set-up, or why there is none, in words the person can act on. */
export function pagingOf(core: Core): { paging: PagingPolicy; pages: PageRepository } {
  const { paging } = core.deps.policy;
  const pages = core.deps.pages;
  if (!paging || !pages) throw new UserError(ErrorCode.NotConfigured, 'This bot is not set up to page anyone.');
  if (paging.unavailable) throw new UserError(ErrorCode.NotConfigured, paging.unavailable);
  return { paging, pages };
}

/**
 * Pages `target` from an incident: records the page (its key chosen now, so a retried request finds
 * what an earlier attempt made), notes it on the timeline and in the room, and queues the request.
 * `requestedBy` is checked against the `page` rule; null is an automation acting on the team's rules.
 * With `cause`, asking again for the same cause returns the first page instead of paging twice.
 */
export function pageFromIncident(
  core: Core,
  incidentId: number,
  target: PageTarget,
  message: string | null,
  requestedBy: Actor | null = null,
  opts: { cause?: string } = {},
): { page: LinkedPage; repeated: boolean } {
  return core.transact((change) => {
    const incident = core.require(incidentId);
    const { paging, pages } = pagingOf(core);
    if (requestedBy) core.authorize(incident, requestedBy, 'page');
    if (opts.cause) {
      const earlier = pages.byCause(incidentId, opts.cause);
      if (earlier) return { page: earlier, repeated: true };
    }
    if (incident.status === 'resolved') throw resolvedFirst(incidentId);
    const serviceId = serviceFor(incident, target, paging);
    const title = (message ?? '').replace(/\s+/g, ' ').trim() || incident.title;
    if (title.length > PAGE_TITLE_MAX)
      throw new UserError(
        ErrorCode.BadArgument,
        `A page's message has at most ${PAGE_TITLE_MAX} characters; this one has ${title.length}.`,
      );
    const page = record(core, change, pages, paging, incident, {
      target,
      serviceId,
      title,
      requestedBy: requestedBy?.id ?? null,
      cause: opts.cause ?? null,
    });
    return { page, repeated: false };
  });
}

function serviceFor(incident: Incident, target: PageTarget, paging: PagingPolicy): string {
  if (target.kind === 'service') return target.id;
  const own = incident.source === paging.source ? incident.serviceId : null;
  const service = paging.policyService ?? own;
  if (!service) throw new UserError(ErrorCode.NotConfigured, paging.noPolicyService);
  return service;
}

function record(
  core: Core,
  change: Change,
  pages: PageRepository,
  paging: PagingPolicy,
  incident: Incident,
  p: Pick<LinkedPage, 'target' | 'serviceId' | 'title' | 'requestedBy' | 'cause'>,
): LinkedPage {
  // Unique per incident and request; the time keeps it unique across a restored copy of the database too.
  const n = pages.ofIncident(incident.id).length + 1;
  const id = pages.insert({
    ...p,
    incidentId: incident.id,
    source: paging.source,
    requestedAt: change.at,
    incidentKey: `incident-bot/${incident.id}/page/${n}/${change.at}`,
  });
  const cause = core.record(change, {
    incidentId: incident.id,
    kind: 'page_requested',
    actor: p.requestedBy,
    body: p.title,
    data: { via: paging.source, page_id: id, target_kind: p.target.kind, target_id: p.target.id, service: p.serviceId },
  });
  change.effect(
    noticeEffect(incident.id, cause, {
      type: 'page_requested',
      via: paging.name,
      by: p.requestedBy,
      target: p.target,
      title: p.title,
    }),
    pageEffect(incident.id, id),
  );
  return pages.get(id)!;
}

/** The paging system made the page's incident: linked, on the timeline, and its link in the room. */
export function pageCreated(core: Core, pageId: number, externalId: string, url: string | null, cause: string): void {
  core.transact((change) => {
    const { paging, pages } = pagingParts(core);
    const page = pages.get(pageId);
    if (!page) return;
    pages.created(pageId, externalId, url, change.at);
    change.event({
      incidentId: page.incidentId,
      kind: 'page_created',
      actor: null,
      body: page.title,
      data: { via: page.source, page_id: pageId, external_id: externalId, url },
    });
    change.effect(
      noticeEffect(page.incidentId, cause, {
        type: 'page_created',
        via: paging?.name ?? page.source,
        target: page.target,
        externalId,
        url,
        title: page.title,
      }),
    );
  });
}

/** The paging system refused the page for good: nobody was paged, and the room hears why. */
export function pageRefused(core: Core, pageId: number, reason: string, cause: string): void {
  core.transact((change) => {
    const { paging, pages } = pagingParts(core);
    const page = pages.get(pageId);
    if (!page || !pages.refused(pageId, reason)) return;
    change.event({
      incidentId: page.incidentId,
      kind: 'page_refused',
      actor: null,
      body: reason,
      data: { via: page.source, page_id: pageId, target_kind: page.target.kind, target_id: page.target.id },
    });
    change.effect(
      noticeEffect(page.incidentId, cause, {
        type: 'page_refused',
        via: paging?.name ?? page.source,
        target: page.target,
        reason,
      }),
    );
  });
}

/** The paging system resolved the page because its incident was resolved here: on the timeline, quietly. */
export function pageResolved(core: Core, pageId: number, cause: string): void {
  core.transact((change) => {
    const { pages } = pagingParts(core);
    const page = pages.get(pageId);
    if (!page || page.status === 'resolved' || page.status === 'refused') return;
    pages.resolved(pageId);
    change.event({
      incidentId: page.incidentId,
      kind: 'page_resolved',
      actor: null,
      body: page.title,
      data: { via: page.source, page_id: pageId, external_id: page.externalId, because: 'incident_resolved', cause },
    });
  });
}

/** What a delivery's write-back needs; it runs even if paging was switched off since the page was asked for. */
function pagingParts(core: Core): { paging: PagingPolicy | undefined; pages: PageRepository } {
  const pages = core.deps.pages;
  if (!pages) throw new Error('pages repository is not wired');
  return { paging: core.deps.policy.paging, pages };
}
