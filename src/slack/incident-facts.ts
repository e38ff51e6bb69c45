import { severityLabel, statusLabel } from '../incidents/labels.ts';
import type { Incident, RoleAssignment } from '../incidents/types.ts';
import { truncate } from '../text/truncate.ts';
import { escapeMrkdwn, mention } from './mrkdwn.ts';

type MrkdwnField = { type: 'mrkdwn'; text: string };

/** Who holds a role, as a mention; said plainly when nobody does yet. */
export const roleHolder = (roles: RoleAssignment[], role: RoleAssignment['role']): string => {
  const holder = roles.find((r) => r.role === role);
  return holder ? mention(holder.userId) : '_nobody yet_';
};

/**
 * The title and the facts every incident message opens with (the pinned summary, the announcement):
 * severity, status, commander and comms lead, then any fields the message adds.
 */
export function incidentFactBlocks(
  incident: Incident,
  roles: RoleAssignment[],
  more: MrkdwnField[] = [],
): Record<string, unknown>[] {
  return [
    // plain_text: Slack shows it literally, so it needs no escaping, only the 150-character cap.
    { type: 'header', text: { type: 'plain_text', text: truncate(incident.title, 150), emoji: false } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Severity*\n${severityLabel(incident)}` },
        { type: 'mrkdwn', text: `*Status*\n${statusLabel(incident)}` },
        { type: 'mrkdwn', text: `*Commander*\n${roleHolder(roles, 'commander')}` },
        { type: 'mrkdwn', text: `*Comms lead*\n${roleHolder(roles, 'comms')}` },
        ...more,
      ],
    },
  ];
}

/** The message's plain text: what notifications and screen readers show. */
export const incidentFallbackText = (incident: Incident): string =>
  truncate(
    `Incident #${incident.id}: ${escapeMrkdwn(incident.title)} ` +
      `(${severityLabel(incident)}, ${statusLabel(incident).toLowerCase()})`,
    3000,
  );
