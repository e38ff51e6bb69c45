/**
 * The far side of a bot under load, in a process of its own as the real services are: a
 * zero-latency fake Slack and fake PagerDuty, and `GET <state>` telling what Slack has seen
 * (channels made, messages pinned; with `?channel=N`, when, by Date.now(), the Nth channel was made).
 * Prints their addresses and tokens as one JSON line.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { BENCH_PD_USERS, BENCH_USERS } from '../lib/bot.ts';

const slack = await new FakeSlack({ users: BENCH_USERS }).start();
const pd = await new FakePagerDuty({
  users: BENCH_PD_USERS,
}).start();
const state = createServer((req, res) => {
  const nth = Number(new URL(req.url ?? '/', 'http://vendors').searchParams.get('channel') ?? 0);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      channels: slack.ws.channels.size,
      pinned: slack.ws.messages.filter((m) => m.pinned).length,
      channelAt: nth > 0 ? (slack.succeeded('conversations.create')[nth - 1]?.at ?? null) : null,
    }),
  );
});
await new Promise<void>((r) => state.listen(0, '127.0.0.1', r));

export interface VendorsInfo {
  slack: { url: string; token: string };
  pagerduty: { url: string; token: string };
  state: string;
}
const info: VendorsInfo = {
  slack: { url: slack.url, token: slack.token },
  pagerduty: { url: pd.url, token: pd.token },
  state: `http://127.0.0.1:${(state.address() as AddressInfo).port}`,
};
process.stdout.write(`${JSON.stringify(info)}\n`);
process.once('SIGTERM', () => {
  state.close();
  void Promise.all([slack.stop(), pd.stop()]).then(() => process.exit(0));
});
