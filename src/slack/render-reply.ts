import { domainErrorText } from './user-error-text.ts';
import { renderReplyWith, ReplyError, type MarkRenderers, type Reply } from '../commands/reply.ts';
import type { UserError } from '../lib/errors.ts';
import { codeBlock, escapeMrkdwn, mention } from './mrkdwn.ts';

/** Ids as Slack issues them; anything else is shown as text, so a bad id cannot become markup. */
const USER_ID = /^[UW][A-Z0-9]{2,20}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,20}$/;
const EMOJI_NAME = /^[a-z0-9_+-]{1,60}$/;

/** How each mark of a command's reply is written in Slack's mrkdwn. */
const MRKDWN: MarkRenderers = {
  bold: (m, render) => `*${render(m.reply)}*`,
  italic: (m, render) => `_${render(m.reply)}_`,
  code: (m) => `\`${escapeMrkdwn(m.text)}\``,
  codeBlock: (m) => codeBlock(m.text),
  user: (m) => (USER_ID.test(m.id) ? mention(m.id) : escapeMrkdwn(`@${m.id}`)),
  channel: (m) => (CHANNEL_ID.test(m.id) ? `<#${m.id}>` : escapeMrkdwn(`#${m.id}`)),
  emoji: (m) => (EMOJI_NAME.test(m.name) ? `:${m.name}:` : ''),
};

/** A command's reply as Slack mrkdwn: every plain text escaped, so it shows as typed and forges nothing. */
export const renderReply = (reply: Reply): string => renderReplyWith(reply, escapeMrkdwn, MRKDWN);

/**
 * What a person is told when their request was refused. A command's refusal has structure and is
 * rendered; other user errors (the domain's, the runner's) are written for Slack and shown as they are.
 */
export const userErrorText = (error: UserError): string =>
  error instanceof ReplyError ? renderReply(error.reply) : domainErrorText(error);
