import { severityLabel, statusLabel } from '../incidents/labels.ts';
import type { Incident, Role, UserRef } from '../incidents/types.ts';
import { formatDuration } from '../text/durations.ts';
import { truncate } from '../text/truncate.ts';
import { escapeMrkdwn, mention } from './mrkdwn.ts';

/** The Home tab's button; it opens the declare form. */
export const HOME_ACTION = { declare: 'home_declare' } as const;

/** A Home tab holds at most 100 blocks: the header, the button, a divider and this many incidents. */
const MAX_SHOWN = 90;

type Roles = (incidentId: number) => { role: Role; userId: UserRef }[];

function incidentBlock(i: Incident, roles: Roles, now: number) {
  const commander = roles(i.id).find((r) => r.role === 'commander')?.userId;
  const lock = i.private ? ':lock: ' : '';
  const where = i.channelId ? `<#${i.channelId}>` : '_channel opening_';
  const state = [statusLabel(i), ...(i.acknowledgedAt !== null ? ['acknowledged'] : [])].join(', ');
  return {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: truncate(
        `${lock}*#${i.id} ${escapeMrkdwn(truncate(i.title, 150))}*\n` +
          `${severityLabel(i)} · ${state} · ${formatDuration(now - i.declaredAt)} old\n` +
          `Commander: ${commander ? mention(commander) : '_none_'} · ${where}`,
        3000,
      ),
    },
  };
}

/** The app's Home tab: the open incidents given (already filtered to what the viewer may see) and a way to declare. */
export function homeView(open: Incident[], roles: Roles, now: number) {
  const shown = open.slice(0, MAX_SHOWN);
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Open incidents' } },
      {
        type: 'actions',
        block_id: 'home_actions',
        elements: [
          {
            type: 'button',
            action_id: HOME_ACTION.declare,
            style: 'danger',
            text: { type: 'plain_text', text: 'Declare incident' },
          },
        ],
      },
      { type: 'divider' },
      ...(shown.length === 0
        ? [{ type: 'section', text: { type: 'mrkdwn', text: 'No open incidents. :tada:' } }]
        : shown.map((i) => incidentBlock(i, roles, now))),
      ...(open.length > shown.length
        ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${open.length - shown.length} more.` }] }]
        : []),
    ],
  };
}
