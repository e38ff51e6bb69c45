import { ErrorCode } from '../lib/errors.ts';
import { incidentHere } from './incident-here.ts';
import { bold, code, ReplyError, say, type Reply } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

const SHOWN = 30;

/**
 * `/incident automations` shows what the automations did in this incident; `off` pauses them for it
 * (nothing more fires here until `on`), `on` resumes them. Pausing is checked by the domain
 * (`permissions.automations`).
 */
export async function automations(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'automations');
  const word = ctx.args.trim().toLowerCase();
  const { incidents } = ctx.services;
  if (word === 'off' || word === 'on') {
    const changed = incidents.setAutomations(incident.id, word === 'on', await ctx.ports.actor());
    const text =
      word === 'off'
        ? changed
          ? say`Automations are paused for incident #${incident.id}: nothing more fires here until ${code('/incident automations on')}.`
          : say`Automations were already paused for incident #${incident.id}.`
        : changed
          ? say`Automations are on again for incident #${incident.id}.`
          : say`Automations were not paused for incident #${incident.id}.`;
    return { text, inChannel: changed };
  }
  if (word !== '')
    throw new ReplyError(
      ErrorCode.BadArgument,
      say`${code('/incident automations')} shows what fired here; ${code('off')} pauses them for this incident, ${code('on')} resumes them.`,
    );
  const { firings, paused } = incidents.automations(incident.id);
  const state: Reply = paused ? say` (paused for this incident)` : [];
  if (firings.length === 0) {
    const configured = ctx.services.settings.automations.length;
    return {
      text: say`No automation fired in incident #${incident.id}${state}. ${String(configured)} ${configured === 1 ? 'automation is' : 'automations are'} configured.`,
    };
  }
  const lines = firings.slice(-SHOWN).flatMap((f): Reply => {
    const at = new Date(f.at).toISOString().slice(11, 16);
    const mode: Reply = f.mode === 'dry-run' ? say` (dry run)` : [];
    return say`\n• ${at} UTC ${bold(f.automation)}${mode} on ${f.event}: ${f.actions.join(', ')} — ${f.reason}`;
  });
  const more = firings.length > SHOWN ? say`\n(the last ${SHOWN} of ${firings.length})` : [];
  return { text: say`Automations in incident #${incident.id}${state}:${lines}${more}` };
}
