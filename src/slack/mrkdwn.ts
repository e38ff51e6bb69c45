import { isAutomationRef } from '../incidents/automations/types.ts';

/**
 * Slack's mrkdwn gives `&`, `<` and `>` control meaning (entities, links, mentions); user text must
 * have them escaped so that it shows as typed and cannot forge a mention or a link.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A person, mentioned; an automation (which started a run, or wrote a note) is named in bold instead. */
export const mention = (userId: string): string =>
  isAutomationRef(userId) ? `*${escapeMrkdwn(userId)}*` : `<@${userId}>`;

/** A date Slack renders in each reader's own time zone, with a fallback for old clients. */
export function slackDate(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${new Date(ms).toISOString()}>`;
}

/** Text shown verbatim in a code block: escaped, and unable to close the block early. */
export const codeBlock = (text: string): string =>
  '```' + (escapeMrkdwn(text).replace(/```/g, '`\u200b``') || ' ') + '```';
