import type { z } from 'zod';
import type { automationActionSchemas } from '../../../config/automations-schema.ts';
import { escalateIncident } from '../../escalate-incident.ts';
import { PAGE_TITLE_MAX, pageFromIncident } from '../../page-from-incident.ts';
import type { PageTarget } from '../../page-repository.ts';
import { fill } from '../template.ts';
import type { AutomationAction } from './action.ts';

type PageParams = z.infer<(typeof automationActionSchemas)['page']>;

const targetOf = (p: PageParams): PageTarget =>
  p.escalation_policy ? { kind: 'escalation_policy', id: p.escalation_policy } : { kind: 'service', id: p.service! };
const named = (t: PageTarget) => `${t.kind === 'service' ? 'service' : 'escalation policy'} ${t.id}`;

/** Pages a service or escalation policy through the same path as `/incident page` (keyed by the firing: once). */
export const pageAction: AutomationAction<PageParams> = {
  done: (p) => `paged ${named(targetOf(p))}`,
  would: (p) => `would page ${named(targetOf(p))}`,
  apply(ctx, p) {
    const message = p.message ? fill(p.message, ctx.values, PAGE_TITLE_MAX) : null;
    pageFromIncident(ctx.core, ctx.incident.id, targetOf(p), message, null, {
      cause: `automation:${ctx.firingId}:${ctx.index}`,
    });
  },
};

/** Moves the incident's page to the next level of its escalation policy (the `unacknowledged` remedy). */
export const escalateAction: AutomationAction<true> = {
  done: () => 'escalated the page to the next level',
  would: () => 'would escalate the page to the next level',
  apply(ctx) {
    escalateIncident(ctx.core, ctx.incident.id, { cause: `automation:${ctx.firingId}:${ctx.index}` });
  },
};
