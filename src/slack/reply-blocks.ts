import type { CommandReply } from '../commands/types.ts';
import { escapeMrkdwn } from './mrkdwn.ts';
import { renderReply } from './render-reply.ts';
import { truncate } from '../text/truncate.ts';

/** Slack's limit on a section's text. */
const SECTION_MAX = 3000;
/** Only our own http(s) links, with nothing that would end Slack's `<url|text>` early. */
const SAFE_URL = /^https?:\/\/[^\s|<>]{1,2900}$/;

/** A command's laid-out answer as Block Kit: one section per part, the link as its own section. */
export function replyBlocks(layout: NonNullable<CommandReply['blocks']>): object[] {
  const section = (mrkdwn: string) => ({ type: 'section', text: { type: 'mrkdwn', text: mrkdwn } });
  const blocks = layout.sections.map((s) => section(truncate(renderReply(s), SECTION_MAX)));
  const link = layout.link;
  if (link && SAFE_URL.test(link.url)) blocks.push(section(`<${escapeMrkdwn(link.url)}|${escapeMrkdwn(link.text)}>`));
  return blocks;
}
