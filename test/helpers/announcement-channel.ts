import { beforeEach } from 'vitest';
import { ALICE, type Harness } from './test-bot.ts';

/** Before each test, the announcement channel exists at the fake Slack and the bot was invited to it, as the README asks. */
export function announcementChannel(h: Harness, id: string): void {
  beforeEach(() => {
    h.slack.ws.channels.set(id, {
      id,
      name: 'incidents',
      created: Math.floor(Date.now() / 1000),
      creator: ALICE.id,
      is_private: false,
      is_archived: false,
      topic: '',
      members: new Set([ALICE.id, h.slack.ws.bot.id]),
    });
  });
}
