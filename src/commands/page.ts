import type { PageTarget } from '../incidents/page-repository.ts';
import { ErrorCode } from '../lib/errors.ts';
import { ownValue } from '../lib/own-value.ts';
import { incidentHere } from './incident-here.ts';
import { stripControl } from './parse.ts';
import { code, ReplyError, say } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

/** PagerDuty's object ids: a P and a few upper-case letters and digits (P5PP4N4). */
const PAGERDUTY_ID = /^P[A-Z0-9]{5,19}$/;
const KINDS: Record<string, PageTarget['kind']> = {
  service: 'service',
  policy: 'escalation_policy',
  escalation_policy: 'escalation_policy',
};
const TARGET_WORDS: Record<PageTarget['kind'], string> = { service: 'service', escalation_policy: 'escalation policy' };

const badTarget = (given: string) =>
  new ReplyError(
    ErrorCode.BadArgument,
    say`${code(given.slice(0, 40).replace(/[`&<>]/g, '') || '(nothing)')} is not a PagerDuty id. Page a service by its id (${code('/incident page P5PP4N4 Disk full on db-1')}) or an escalation policy with ${code('policy:')} (${code('/incident page policy:P2F4GX5')}); the id is the last part of its PagerDuty address.`,
  );

/** `P5PP4N4`, `service:P5PP4N4` or `policy:P2F4GX5` (also `escalation_policy:`). */
export function parsePageTarget(word: string): PageTarget {
  const [prefix, id] = word.includes(':') ? word.split(/:(.*)/s) : ['service', word];
  const kind = ownValue(KINDS, prefix!.toLowerCase());
  if (!kind || !id || !PAGERDUTY_ID.test(id)) throw badTarget(word);
  return { kind, id };
}

/**
 * `/incident page <service id | policy:id> [message]`: pages PagerDuty from this incident. The page
 * is its own PagerDuty incident linked to this one; its link follows in the channel once created,
 * and whoever acknowledges it is invited here.
 */
export async function page(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'page');
  const match = /^(\S+)\s*([\s\S]*)$/.exec(ctx.args.trim());
  if (!match) throw badTarget('');
  const target = parsePageTarget(match[1]!);
  const message = stripControl(ctx.text.plain(match[2]!)).trim() || null;
  const { page: sent } = ctx.services.incidents.pageFromIncident(incident.id, target, message, await ctx.ports.actor());
  ctx.log.info(
    { event: 'incident.paged', incident_id: incident.id, page_id: sent.id, target_kind: target.kind },
    'page requested',
  );
  return {
    text: say`Paging PagerDuty ${TARGET_WORDS[target.kind]} ${code(target.id)} from incident #${incident.id}: “${sent.title}”. Its link follows in the channel; whoever acknowledges it is invited.`,
  };
}
