import { ErrorCode, UserError } from '../lib/errors.ts';
import type { Actor } from './permissions.ts';
import type { Core } from './core.ts';
import { TITLE_MAX } from './types.ts';

/**
 * Names the incident for the public (status page, feed, mirror); recorded with who did it. What
 * customers read is published text, so whoever may publish may name it.
 */
export function setPublicName(core: Core, incidentId: number, name: string, by: Actor): void {
  const publicTitle = name.trim();
  if (!publicTitle) throw new UserError(ErrorCode.BadArgument, 'Give the public name.', { action: 'public_name' });
  if (publicTitle.length > TITLE_MAX) {
    throw new UserError(
      ErrorCode.BadArgument,
      `A public name has at most ${TITLE_MAX} characters; this one has ${publicTitle.length.toLocaleString('en')}.`,
    );
  }
  core.transact((change) => {
    core.authorize(core.require(incidentId), by, 'publish');
    core.deps.incidents.update(incidentId, { publicTitle }, change.at);
    change.event({ incidentId, kind: 'public_name_set', actor: by.id, body: publicTitle });
  });
}
