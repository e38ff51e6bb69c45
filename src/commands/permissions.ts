import type { Settings } from '../config-file.ts';
import { ErrorCode, UserError } from '../errors.ts';
import type { Incident } from '../incidents/types.ts';
import type { CommandContext } from './types.ts';

type Action = keyof Settings['permissions'] | 'publish';
const VERB: Record<Action, string> = { resolve: 'resolve', severity: 'change the severity of', publish: 'publish status page updates for' };
const ROLE_NAME: Record<string, string> = { commander: 'the commander', comms: 'the comms lead', declarer: 'whoever declared it' };
type Who = Pick<CommandContext, 'services' | 'userId' | 'ports'>;

/** Whether the person is one of `allowed`: anyone, a role in this incident, the declarer, a user, a user group. */
export async function allows(ctx: Who, incident: Incident, allowed: string[]): Promise<boolean> {
  if (allowed.includes('anyone')) return true;
  const roles = ctx.services.incidents.roles(incident.id);
  const holds = (role: string) => roles.some((r) => r.role === role && r.userId === ctx.userId);
  for (const p of allowed) {
    if ((p === 'commander' || p === 'comms') && holds(p)) return true;
    if (p === 'declarer' && incident.declaredBy === ctx.userId) return true;
    if (p === ctx.userId) return true;
    if (p.startsWith('S') && (await ctx.ports.groupMembers(p)).includes(ctx.userId)) return true;
  }
  return false;
}

/** Refuses, saying who may, unless the person is one of `allowed`; `what` completes "Only … may <what>." */
export async function requireAllowed(ctx: Who, incident: Incident, allowed: string[], what: string): Promise<void> {
  if (await allows(ctx, incident, allowed)) return;
  const who = allowed.map((p) => ROLE_NAME[p] ?? (p.startsWith('S') ? `members of <!subteam^${p}>` : `<@${p}>`));
  throw new UserError(ErrorCode.Forbidden, `Only ${who.join(', ')} may ${what}.`);
}

/** Refuses, with who may, unless the person is allowed to do `action` on this incident. */
export async function requirePermission(ctx: Who, incident: Incident, action: Action): Promise<void> {
  const { settings } = ctx.services;
  const allowed = action === 'publish' ? settings.status_page.publish : settings.permissions[action];
  await requireAllowed(ctx, incident, allowed, `${VERB[action]} incident #${incident.id}`);
}
