import type { Settings } from '../config/settings.ts';
import type { Notice } from '../incidents/effect-kinds.ts';
import { severityLabel } from '../incidents/labels.ts';
import type { CommsVacancy } from '../incidents/roles.ts';
import type { Incident, RoleAssignment } from '../incidents/types.ts';
import { truncate } from '../text/truncate.ts';
import { mention, slackDate } from './mrkdwn.ts';

/** The buttons of the comms lead's messages. */
export const COMMS_ACTION = {
  /** Take the comms role offered at a change of shift (only the person it was offered to). */
  accept: 'incident_comms_accept',
  /** Run again the command a refusal asked to confirm (its text is the button's value). */
  confirm: 'incident_confirm_command',
} as const;

/** Why the comms role is vacant, as the channel reads it. */
export const VACANCY_TEXT: Record<CommsVacancy, string> = {
  none_configured: 'no on-call schedule or rotation is configured (`comms` in the settings file)',
  nobody_on_call: 'the on-call schedule names nobody who could be found in Slack',
  only_commander: 'the only person available is the commander, and the two roles are kept apart',
};

const TAKE_IT = 'Take it with `/incident role comms @you`.';

/** The offer made to the person a change of shift put on call: text, and the button only they may press. */
export function commsOfferMessage(n: Extract<Notice, { type: 'comms_offer' }>) {
  const text =
    `:arrows_counterclockwise: The on-call shift changed: ${mention(n.to)} is on call now. ` +
    (n.comms
      ? `${mention(n.to)}, take over as comms lead from ${mention(n.comms)}?`
      : `${mention(n.to)}, the comms lead role is vacant: take it?`);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        block_id: 'comms_offer',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Take the comms lead role' },
            style: 'primary',
            action_id: COMMS_ACTION.accept,
            value: String(n.incidentId),
          },
        ],
      },
    ],
  };
}

/** Where customers read about it: the incident's own public page once it was published, else the status page. */
function statusPageLink(incident: Incident, publicUrl: string, name: string): string {
  const url = incident.publicAt === null ? `${publicUrl}/status` : `${publicUrl}/status/incidents/${incident.id}`;
  return /^https?:\/\/[^\s<>|]+$/.test(url) ? `<${url}|${name.replace(/[<>|&]/g, '')}>` : name;
}

/**
 * The comms lead's duties (Heroku's practice): when the next update is due, who to tell, where the
 * public reads. Pinned with the role and re-rendered from the incident as it is whenever it changes.
 */
export function dutiesMessage(incident: Incident, roles: RoleAssignment[], settings: Settings, publicUrl: string) {
  const comms = roles.find((r) => r.role === 'comms')?.userId ?? null;
  const cadence = settings.update_cadence_minutes[incident.severity];
  const head = comms
    ? `:clipboard: *Comms lead: ${mention(comms)}* — your duties for incident #${incident.id}`
    : `:clipboard: *Comms lead: _vacant_* — ${TAKE_IT}`;
  const next =
    incident.status === 'resolved'
      ? '*Next update*: none due, the incident is resolved.'
      : incident.updateDueAt === null
        ? `*Next update*: every ${cadence} min at ${severityLabel(incident)}.`
        : `*Next update due* ${slackDate(incident.updateDueAt)} (every ${cadence} min at ${severityLabel(incident)}): ` +
          '`/incident update <investigating|identified|monitoring> <message>`, or *Post update* on the summary.';
  const who = settings.comms.stakeholders.map((id) =>
    id.startsWith('S') ? `<!subteam^${id}>` : id.startsWith('C') ? `<#${id}>` : mention(id),
  );
  const tell =
    '*Who to tell*: this channel with every update' +
    (who.length > 0 ? `; ${who.join(', ')}` : '') +
    '; customers on the status page when they are affected (`--public`, after a preview).';
  const page = `*Status page*: ${statusPageLink(incident, publicUrl, settings.status_page.name)}`;
  const text = truncate([head, `• ${next}`, `• ${tell}`, `• ${page}`].join('\n'), 3000);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** How the roles notice names a comms lead who is not there: being looked up, or vacant and why. */
export function commsHolderText(n: Extract<Notice, { type: 'roles' }>): string {
  if (n.comms) return mention(n.comms);
  if (n.lookingUp) return '_looking up who is on call…_';
  if (n.vacancy) return `_vacant_: ${VACANCY_TEXT[n.vacancy]}. ${TAKE_IT}`;
  return '_nobody yet_ (use `/incident role`)';
}

/** The comms lead was made commander: where comms went. */
export function commsMovedText(n: Extract<Notice, { type: 'comms_moved' }>): string {
  const to = n.to
    ? `comms lead passes to ${mention(n.to)}`
    : `the comms lead role is vacant: ${n.vacancy ? VACANCY_TEXT[n.vacancy] : 'nobody else is available'}. ${TAKE_IT}`;
  return truncate(`:handshake: ${mention(n.from)} is commander now, so ${to}`, 3000);
}
