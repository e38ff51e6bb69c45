import type { webApi } from '@slack/bolt';
import { ClassifiedError } from '../outbox/classified-error.ts';
import { classifySlackError } from './classify-error.ts';

/** Where a document is shared with the people in a channel, and how a link leads to that channel. */
export interface SlackFileShare {
  upload(file: { channel: string; filename: string; content: string; comment: string }): Promise<void>;
  /** A link that opens the channel, or null without one. */
  channelLink(channel: string | null): string | null;
}

export function slackFileShare(client: webApi.WebClient): SlackFileShare {
  return {
    async upload({ channel, filename, content, comment }) {
      try {
        await client.filesUploadV2({
          channel_id: channel,
          filename,
          title: filename,
          content,
          initial_comment: comment,
        });
      } catch (error) {
        throw new ClassifiedError(classifySlackError(error), error);
      }
    },
    // Slack's own redirect on the same host as its API (slack.com, a GovSlack host, or the sandbox's fake).
    channelLink: (channel) =>
      channel ? new URL(`/app_redirect?channel=${encodeURIComponent(channel)}`, client.slackApiUrl).href : null,
  };
}
