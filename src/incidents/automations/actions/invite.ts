import { EffectKind, forIncident } from '../../effect-kinds.ts';
import type { AutomationAction } from './action.ts';

const isGroup = (p: string) => p.startsWith('S');

/** Invites people and the members of groups into the incident's room (groups are expanded by the chat edge). */
export const inviteAction: AutomationAction<string[]> = {
  done: (p) => `invited ${p.join(', ')}`,
  would: (p) => `would invite ${p.join(', ')}`,
  apply(ctx, p) {
    ctx.change.effect(
      forIncident(ctx.incident.id, EffectKind.ChannelInvite, `automation:${ctx.firingId}:${ctx.index}`, {
        users: p.filter((x) => !isGroup(x)),
        groups: p.filter(isGroup),
      }),
    );
  },
};
