import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { eventually } from '../helpers/test-bot.ts';

interface State {
  channels: { id: string; name: string; private: boolean }[];
  channel: { id: string } | null;
}

describe('the sandbox shows a private incident', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ PORT: '0', LOG_LEVEL: 'silent' }, createLogger('silent'));
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  const state = async (user: string, channel = '') =>
    (await (await fetch(`${sandbox.url}/sandbox/api/state?user=${user}&channel=${channel}`)).json()) as State;

  it('seeded at start: listed with its lock to its people, hidden from everyone else', async () => {
    // The room is created first and its people invited after: wait for both.
    const room = await eventually(
      () =>
        [...sandbox.slack.ws.channels.values()].find(
          (c) => c.is_private && [...c.members].some((id) => id !== sandbox.slack.ws.bot.id),
        ),
      10_000,
    );
    expect(sandbox.app.incidents.get(1)).toMatchObject({ private: true });
    const member = [...room.members].find((id) => id !== sandbox.slack.ws.bot.id)!;
    // Not alice, whom the page opens as: her list stays as before.
    expect(room.members.has('U0ALICE01')).toBe(false);
    const outsider = [...sandbox.slack.ws.users.values()].find((u) => !u.is_bot && !room.members.has(u.id))!;
    expect((await state(member)).channels).toContainEqual(
      expect.objectContaining({ id: room.id, name: room.name, private: true }),
    );
    expect((await state(member)).channels).toContainEqual(expect.objectContaining({ name: 'general', private: false }));
    const theirs = await state(outsider.id, room.id);
    expect(theirs.channels.map((c) => c.id)).not.toContain(room.id);
    expect(theirs.channel?.id).not.toBe(room.id);
  });
});
