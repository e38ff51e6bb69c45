/** A zero-latency fake Slack in a process of its own: far from the bot, as the real one is. */
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { BENCH_USERS } from '../lib/bot.ts';

const slack = await new FakeSlack({ users: BENCH_USERS }).start();
process.stdout.write(`${JSON.stringify({ url: slack.url, token: slack.token })}\n`);
process.once('SIGTERM', () => void slack.stop().then(() => process.exit(0)));
