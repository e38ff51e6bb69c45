import type { Db } from '../../src/db/open.ts';
import type { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { slackSignatureHeaders, slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';
import { startChildBot, type ChildBot } from './child-bot.ts';
import { pagerDutySignature } from './pagerduty-examples.ts';
import { ALICE, SIGNING_SECRET, WEBHOOK_SECRET } from './test-bot.ts';

/**
 * Replicas of the bot as separate processes on one database, each on a fixed 127.0.0.1 port (as behind
 * a load balancer: a restarted replica answers at the same address), and what the far side sees.
 */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Replica {
  bot: ChildBot | undefined;
  starts = 0;
  kills = 0;
  /** Each life SIGKILLed: its replica id and when it died. */
  readonly deaths: { id: string | undefined; at: number }[] = [];
  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  get up() {
    return this.bot !== undefined && this.bot.proc.exitCode === null && this.bot.proc.signalCode === null;
  }

  async start(): Promise<void> {
    this.bot = await startChildBot({ ...this.env, PORT: String(this.port) }, 30_000);
    this.starts++;
  }

  /** SIGKILL: no shutdown hook runs, its claims and leases stay in the database until they run out. */
  async kill(): Promise<void> {
    const bot = this.bot;
    if (!bot) return;
    const id = this.id(bot);
    this.bot = undefined;
    bot.proc.kill('SIGKILL');
    await bot.exited;
    this.deaths.push({ id, at: Date.now() });
    this.kills++;
  }

  /** The replica id it logged at start (`host:pid:random`), as it names itself in job_leases. */
  id(bot = this.bot): string | undefined {
    const ready = bot
      ?.output()
      .split('\n')
      .find((l) => l.includes('"incident-bot ready"'));
    return ready ? (JSON.parse(ready) as { replica?: string }).replica : undefined;
  }
}

/** A PagerDuty v3 webhook POSTed to one replica, signed as PagerDuty signs it; 0 when nothing answered. */
export async function sendWebhook(replica: Replica, body: object): Promise<number> {
  const raw = JSON.stringify(body);
  try {
    const res = await fetch(`${replica.url}/webhooks/pagerduty`, {
      method: 'POST',
      body: raw,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'PagerDuty-Webhook/V3.0',
        'x-pagerduty-signature': pagerDutySignature(raw, [WEBHOOK_SECRET]),
      },
    });
    await res.text();
    return res.status;
  } catch {
    return 0;
  }
}

/** A slash command to one replica, signed as Slack signs it; status 0 when nothing answered. */
export async function slash(
  replica: Replica,
  text: string,
  opts: { user?: string; channel?: string } = {},
): Promise<{ status: number; text: string }> {
  const body = slashCommandBody({ text, userId: opts.user ?? ALICE.id, channelId: opts.channel ?? 'C0GENERAL' });
  try {
    const res = await fetch(`${replica.url}/slack/events`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignatureHeaders(SIGNING_SECRET, body) },
    });
    const raw = await res.text();
    let text = raw;
    try {
      text = (JSON.parse(raw) as { text?: string }).text ?? raw;
    } catch {
      // An empty ack.
    }
    return { status: res.status, text };
  } catch {
    return { status: 0, text: '' };
  }
}

export interface StoredIncident {
  id: number;
  title: string;
  source: string;
  externalId: string | null;
  channelId: string | null;
  summaryTs: string | null;
  status: string;
}

export const storedIncidents = (db: Db): StoredIncident[] =>
  (
    db
      .prepare(
        `SELECT id, title, source, external_id AS "externalId", channel_id AS "channelId",
           summary_ts AS "summaryTs", status FROM incidents ORDER BY id`,
      )
      .all() as StoredIncident[]
  ).map((i) => ({ ...i, id: Number(i.id) }));

/** Outbox rows not yet delivered (archives wait for their time and are left out). */
export const undelivered = (db: Db): number =>
  Number(
    db
      .prepare("SELECT count(*) AS n FROM outbox WHERE state <> 'delivered' AND kind NOT LIKE '%archive'")
      .pluck()
      .get(),
  );

/** Polls until `check` holds or `ms` pass; returns whether it held. */
export async function until(check: () => boolean, ms: number, everyMs = 200): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** What Slack saw of one incident's room: each effect counted, so a duplicate shows as 2. */
export function roomEffects(slack: FakeSlack, incident: StoredIncident, inviteeId?: string) {
  const channelId = incident.channelId;
  const channel = channelId ? slack.ws.channels.get(channelId) : undefined;
  const ok = (method: string) => slack.calls.filter((c) => c.method === method && c.ok);
  const inChannel = (method: string) => ok(method).filter((c) => c.args.channel === channelId);
  const keys = slack.ws.messages
    .filter((m) => m.channel === channelId)
    .map((m) => (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key)
    .filter((k): k is string => Boolean(k));
  return {
    created: channel ? ok('conversations.create').filter((c) => c.args.name === channel.name).length : 0,
    invited: inviteeId
      ? inChannel('conversations.invite').filter((c) => String(c.args.users).split(',').includes(inviteeId)).length
      : undefined,
    member: inviteeId && channel ? channel.members.has(inviteeId) : undefined,
    summaries: slack.ws.messages.filter((m) => m.channel === channelId && m.ts === incident.summaryTs).length,
    pinned: inChannel('pins.add').filter((c) => c.args.timestamp === incident.summaryTs).length,
    duplicateMessages: keys.length - new Set(keys).size,
  };
}
