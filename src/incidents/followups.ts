import { ErrorCode, UserError } from '../lib/errors.ts';
import { noticeEffect, postmortemEffect, type Notice } from './effect-kinds.ts';
import type { Actor } from './permissions.ts';
import type { Core } from './core.ts';
import { DESCRIPTION_MAX, NOTE_MAX, type UserRef } from './types.ts';

/** A follow-up action for the report; it becomes a GitHub issue when the report is published. */
export function addFollowup(core: Core, incidentId: number, text: string, owner: UserRef | null, by: UserRef): number {
  const body = text.trim();
  if (!body) throw new UserError(ErrorCode.BadArgument, 'Say what should be done.', { action: 'followup' });
  if (body.length > NOTE_MAX)
    throw new UserError(ErrorCode.BadArgument, `A follow-up has at most ${NOTE_MAX.toLocaleString('en')} characters.`);
  return core.transact((change) => {
    core.require(incidentId);
    const id = core.deps.postmortems.addFollowup({
      incidentId,
      text: body,
      owner,
      createdBy: by,
      createdAt: change.at,
    });
    const cause = core.record(change, {
      incidentId,
      kind: 'followup',
      actor: by,
      body,
      data: { followup_id: id, owner },
    });
    change.effect(noticeEffect(incidentId, cause, { type: 'followup', text: body, owner, by }));
    return id;
  });
}

/** Who was affected, in the team's words; the latest statement is the one the report uses. */
export function setImpact(core: Core, incidentId: number, text: string, by: UserRef): void {
  const impact = text.trim();
  if (!impact) throw new UserError(ErrorCode.BadArgument, 'Describe who was affected.', { action: 'impact' });
  if (impact.length > DESCRIPTION_MAX)
    throw new UserError(
      ErrorCode.BadArgument,
      `An impact statement has at most ${DESCRIPTION_MAX.toLocaleString('en')} characters.`,
    );
  core.transact((change) => {
    core.require(incidentId);
    core.deps.incidents.update(incidentId, { customerImpact: impact }, change.at);
    change.event({ incidentId, kind: 'impact', actor: by, body: impact });
  });
}

/** Asks for the report to be drafted and published again with everything known now. */
export function requestPostmortem(core: Core, incidentId: number, actor: Actor, force: boolean): void {
  core.transact((change) => {
    const incident = core.require(incidentId);
    // Forcing replaces a report someone edited by hand: that is not everyone's to throw away.
    if (force) core.authorize(incident, actor, 'postmortem_force');
    const cause = core.record(change, { incidentId, kind: 'postmortem_requested', actor: actor.id, data: { force } });
    change.effect(postmortemEffect(incidentId, cause, force));
  });
}

/** Tells the channel where the report is (and what happened to it). */
export function postmortemPublished(
  core: Core,
  incidentId: number,
  cause: string,
  notice: Omit<Extract<Notice, { type: 'postmortem' }>, 'type'>,
): void {
  core.transact((change) => {
    change.event({
      incidentId,
      kind: notice.edited ? 'postmortem_held' : 'postmortem_published',
      actor: null,
      data: notice,
    });
    change.effect(noticeEffect(incidentId, cause, { type: 'postmortem', ...notice }));
  });
}
