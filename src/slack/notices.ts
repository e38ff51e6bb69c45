import type { Notice } from '../incidents/effect-kinds.ts';
import { roleWord, severityWord, statusWord } from '../incidents/labels.ts';
import { formatDuration } from '../text/durations.ts';
import { truncate } from '../text/truncate.ts';
import { SLACK_SOURCE, isUserId } from '../lib/slack-ids.ts';
import { escapeMrkdwn as e, mention } from './mrkdwn.ts';
import { approvalMessage } from './runbook-views.ts';
import { commsHolderText, commsMovedText, commsOfferMessage } from './comms-views.ts';

type Renderers = { [T in Notice['type']]: (n: Extract<Notice, { type: T }>) => string };

const who = (user: string | null) => (user ? mention(user) : '_nobody yet_ (use `/incident role`)');
/** A Slack user id is mentioned; a name from elsewhere (e.g. PagerDuty) is shown as text. */
/** Where something was done, unless it was done here. */
const here = (via: string) => (via === SLACK_SOURCE ? '' : ` in ${e(via)}`);
const actor = (by: string) => (isUserId(by) ? mention(by) : `*${e(by)}*`);

/** "Automation *disk-full* ran …": the domain's line, escaped, with the automation's name in bold. */
const automationLine = (name: string, text: string) => {
  const prefix = `automation ${name}`;
  const rest = text.startsWith(prefix) ? text.slice(prefix.length) : `: ${text}`;
  return `Automation *${e(name)}*${e(rest)}`;
};

type PostmortemNotice = Extract<Notice, { type: 'postmortem' }>;

/** Only http(s) links, and none of the characters that end a Slack link early. */
const link = (url: string | null, text: string) =>
  url && /^https?:\/\//.test(url) ? `<${url.replace(/[<>|]/g, '')}|${text}>` : null;

/** Labels or annotations as `name: value` pairs, each escaped and cut, so a long value cannot crowd out the rest. */
const pairs = (kv: Record<string, string>, max: number) =>
  Object.entries(kv)
    .map(([k, v]) => `${e(truncate(k, 100))}: ${e(truncate(v.replace(/\s+/g, ' '), max))}`)
    .join(' · ');

/** What fired: the group's labels and annotations once, then each alert with what it adds to them. */
function alertsFiringText(n: Extract<Notice, { type: 'alerts_firing' }>): string {
  const count = n.alerts.length + n.more;
  const head = n.joined
    ? `:rotating_light: ${count === 1 ? 'Another alert' : `${count} more alerts`} of this group firing in ${e(n.via)}:`
    : `:rotating_light: ${count === 1 ? 'Alert' : `${count} alerts`} firing in ${e(n.via)}:`;
  const lines = [head];
  if (Object.keys(n.labels).length > 0) lines.push(`*Labels:* ${pairs(n.labels, 200)}`);
  if (Object.keys(n.annotations).length > 0) lines.push(`*Annotations:* ${pairs(n.annotations, 500)}`);
  for (const a of n.alerts) {
    const own = [pairs(a.labels, 200), pairs(a.annotations, 300)].filter(Boolean).join(' · ');
    const source = link(a.url, 'source');
    lines.push(`• *${e(truncate(a.name, 200))}*${own ? ` — ${own}` : ''}${source ? ` (${source})` : ''}`);
  }
  if (n.more > 0) lines.push(`…and ${n.more} more not listed here.`);
  return lines.join('\n');
}

/** The report's notice says what happened to it: on GitHub (and how), held back, refused, or kept here. */
function postmortemText(n: PostmortemNotice): string {
  if (n.edited)
    return ':raised_hand: The report on GitHub was edited by hand since the bot last wrote it, so the bot did not overwrite it. Edit it there, or run `/incident postmortem --force` to replace it with a fresh draft.';
  if (n.url) {
    const issues = n.issues ? ` (${n.issues} follow-up ${n.issues === 1 ? 'issue' : 'issues'} filed)` : '';
    return [
      `:memo: Post-incident report drafted: <${n.url.replace(/[<>|]/g, '')}|the pull request>${issues}.`,
      n.firstCommitOn &&
        `The repository was empty, so the bot first committed a README to \`${e(n.firstCommitOn)}\` to branch from.`,
      n.regularReview &&
        'GitHub does not allow draft pull requests in this repository, so it is a regular one titled “[Draft]” ' +
          '(labelled `draft` where allowed): do not merge it unreviewed.',
      'Review it, then merge to publish.',
    ]
      .filter(Boolean)
      .join(' ');
  }
  const saved = n.file ? ` and saved as \`${e(n.file)}\`` : '';
  if (n.refused)
    return (
      `:warning: GitHub refused the report: “${e(truncate(n.refused, 300))}”. The draft is attached here${saved}; ` +
      'once that is fixed on GitHub, `/incident postmortem` tries again.'
    );
  if (n.unreachable)
    return (
      `:warning: GitHub kept failing while the bot retried the report (last: “${e(truncate(n.unreachable, 300))}”). ` +
      `The draft is attached here${saved}; \`/incident postmortem\` sends it to GitHub again.`
    );
  if (n.keptPrivate)
    return (
      `:memo: Post-incident report drafted${saved}. The incident is private and \`postmortem.private_repo\` ` +
      'is not set, so it is not sent to GitHub: it is attached here.'
    );
  return `:memo: Post-incident report drafted${saved}. GitHub is not configured, so it is attached here.`;
}

type PageTargetRef = Extract<Notice, { type: 'page_requested' }>['target'];
const TARGET_WORDS: Record<PageTargetRef['kind'], string> = {
  service: 'service',
  escalation_policy: 'escalation policy',
};
const target = (t: PageTargetRef) => `${TARGET_WORDS[t.kind]} \`${e(t.id)}\``;
/** A page's link from another system, only if it is one (http or https) and cannot break out of Slack's link markup. */
const pageLink = (url: string | null, text: string) =>
  url && /^https?:\/\//.test(url) ? `<${url.replace(/[<>|]/g, '')}|${e(text)}>` : `*${e(text)}*`;

/** How each notice reads in the incident channel. All text from people or other systems is escaped. */
const RENDER: Renderers = {
  roles: (n) => `:busts_in_silhouette: Commander: ${who(n.commander)} · Comms lead: ${commsHolderText(n)}`,
  comms_moved: (n) => commsMovedText(n),
  comms_offer: (n) => commsOfferMessage(n).text,
  unresolved_people: (n) =>
    `:warning: Could not invite ${n.people.length === 1 ? 'this responder' : 'these responders'} — please add them by hand:\n` +
    n.people.map((p) => `• *${e(p.name)}*: ${e(p.reason)}`).join('\n'),
  people_unreachable: (n) =>
    n.refused
      ? `:warning: ${e(n.via)} refused the bot's API token, so responders cannot be looked up. ` +
        `Fix the token (see \`incident-bot doctor\`); responders will be invited when ${e(n.via)} answers.`
      : `:hourglass_flowing_sand: ${e(n.via)} could not be reached; responders will be invited when it answers.`,
  acknowledged: (n) => `:eyes: Acknowledged by ${actor(n.by)}${here(n.via)}.`,
  unacknowledged: (n) => `:rotating_light: The acknowledgement ran out in ${e(n.via)}; the incident is paging again.`,
  resolved: (n) =>
    `:white_check_mark: Resolved by ${actor(n.by)}${here(n.via)}.` +
    (n.note ? `\n>${e(truncate(n.note, 2500)).replace(/\n/g, '\n>')}` : ''),
  reopened: (n) => `:arrows_counterclockwise: Reopened by ${actor(n.by)} in ${e(n.via)}.`,
  reassigned: (n) =>
    `:arrow_right: ${n.how === 'escalated' ? 'Escalated' : 'Reassigned'} in ${e(n.via)} to ${n.to.map((t) => `*${e(t)}*`).join(', ') || 'nobody'}.`,
  severity_changed: (n) =>
    `:chart_with_upwards_trend: Severity ${e(severityWord(n.from))} → *${e(severityWord(n.to))}* (by ${actor(n.by)} in ${e(n.via)}).`,
  external_note: (n) =>
    `:memo: Note from ${actor(n.by)} in ${e(n.via)}:\n>${e(truncate(n.text, 2500)).replace(/\n/g, '\n>')}`,
  responder_added: (n) =>
    `:sos: *${e(n.name)}* was asked to help in ${e(n.via)}${n.message ? `: “${e(truncate(n.message, 500))}”` : '.'}`,
  update: (n) =>
    `:mega: *Update — ${e(statusWord(n.status))}* (${n.public ? 'public, on the status page, ' : ''}from ${mention(n.by)})\n${e(truncate(n.body, 3000))}`,
  update_overdue: (n) =>
    `:alarm_clock: ${n.comms ? mention(n.comms) : 'Comms lead'}, an update is due — the last one was ${n.minutes} min ago. ` +
    'Post one with `/incident update <investigating|identified|monitoring> <message>`.',
  comms_vacant: () => ':loudspeaker: Nobody is comms lead for this incident. Take it with `/incident role comms @you`.',
  handoff: (n) =>
    `:handshake: ${e(roleWord(n.role))}: ${n.from ? `${mention(n.from)} → ` : ''}${mention(n.to)}${n.by !== n.to ? ` (handed over by ${mention(n.by)})` : ''}.`,
  followup: (n) =>
    `:white_check_mark: Follow-up for the report${n.owner ? ` (owner ${mention(n.owner)})` : ''}: ${e(truncate(n.text, 500))}`,
  postmortem: (n) => postmortemText(n),
  public_report_changed: () =>
    ':warning: The report’s public text changed after its pull request showed it, so merging it published ' +
    'nothing. Preview what would go public and publish it with `/incident postmortem publish`.',
  runbook_approval: (n) => approvalMessage(n).text,
  runbook_finished: (n) => {
    const icon: Record<string, string> = {
      succeeded: ':white_check_mark:',
      failed: ':x:',
      killed: ':octagonal_sign:',
      rejected: ':no_entry_sign:',
      interrupted: ':warning:',
    };
    const steps = n.steps
      .map((s) => `${e(s.name)} ${s.status}${s.exitCode === null ? '' : ` (${s.exitCode})`}`)
      .join(' · ');
    const what =
      n.status === 'interrupted'
        ? 'was interrupted by a restart of the bot; it was not resumed, check what it did and run it again if needed'
        : n.status;
    return `${icon[n.status] ?? ':gear:'} Runbook *${e(n.runbook)}* v${e(n.version)}${n.dryRun ? ' (dry run)' : ''} ${what} — run #${n.runId}, started by ${mention(n.by)}, ${formatDuration(n.durationMs)}${
      steps
        ? `
${steps}`
        : ''
    }`;
  },
  automation: (n) =>
    `${n.dryRun ? ':test_tube: (dry run) ' : ':robot_face: '}${automationLine(n.automation, n.text)}` +
    n.notes.map((t) => `\n>${e(truncate(t, 2500)).replace(/\n/g, '\n>')}`).join(''),
  automation_failed: (n) => `:warning: ${automationLine(n.automation, n.text)}`,
  mitigated: (n) => `:adhesive_bandage: Mitigated by ${mention(n.by)} — now monitoring.`,
  closing_summary: (n) =>
    [
      `:checkered_flag: *Incident closed* after ${formatDuration(n.resolvedAt - n.declaredAt)} with ${n.responders} ${n.responders === 1 ? 'responder' : 'responders'}.`,
      `• Time to acknowledge: ${n.acknowledgedAt ? formatDuration(n.acknowledgedAt - n.declaredAt) : '—'}`,
      `• Time to mitigate: ${n.mitigatedAt ? formatDuration(n.mitigatedAt - n.declaredAt) : '—'}`,
      `• Time to resolve: ${formatDuration(n.resolvedAt - n.declaredAt)}`,
      'This channel will be archived later; `/incident reopen` keeps it open.',
    ].join('\n'),
  alerts_firing: (n) => alertsFiringText(n),
  alerts_resolved: (n) =>
    `:large_green_circle: Resolved in ${e(n.via)}: ${n.alerts.map((a) => `*${e(truncate(a.name, 200))}*${Object.keys(a.labels).length ? ` (${pairs(a.labels, 200)})` : ''}`).join(', ')}` +
    `${n.more > 0 ? ` and ${n.more} more` : ''}.` +
    (n.allResolved
      ? ' Every alert of this group has resolved; the incident stays open until someone resolves it (`/incident resolve`).'
      : ''),
  page_requested: (n) =>
    `:pager: ${n.by ? mention(n.by) : 'An automation'} paged ${e(n.via)} ${target(n.target)}: “${e(truncate(n.title, 300))}”. ` +
    'The link follows here once it is created; whoever acknowledges it is invited.',
  page_created: (n) =>
    `:pager: ${e(n.via)} incident ${pageLink(n.url, `${n.externalId}: ${truncate(n.title, 200)}`)} created for the page to ${target(n.target)}.`,
  page_refused: (n) =>
    [
      `:warning: ${e(n.via)} refused the page to ${target(n.target)}: “${e(truncate(n.reason, 300))}”. Nobody was paged.`,
      n.target.kind === 'service' &&
        `If \`${e(n.target.id)}\` is an escalation policy, page it with \`/incident page policy:${e(n.target.id)}\`.`,
    ]
      .filter(Boolean)
      .join(' '),
  page_acknowledged: (n) =>
    `:white_check_mark: ${actor(n.by)} acknowledged the page ${pageLink(n.url, n.externalId)}${here(n.via)}; inviting them here.`,
  page_escalated: (n) =>
    `:arrow_double_up: ${n.by ? `${mention(n.by)} escalated` : 'Escalated'} ${e(n.via)} incident \`${e(n.externalId)}\` to level ${n.level}.`,
  escalation_refused: (n) =>
    `:warning: ${e(n.via)} refused to escalate \`${e(n.externalId)}\` to level ${n.level}: “${e(truncate(n.reason, 300))}”.`,
  linked: (n) =>
    `:link: Another ${e(n.via)} page joined this incident: ${n.url && /^https?:\/\//.test(n.url) ? `<${n.url.replace(/[<>|]/g, '')}|${e(truncate(n.title, 200))}>` : `*${e(truncate(n.title, 200))}*`} (${e(n.externalId)}).`,
};

export function renderNotice(notice: Notice): string {
  const render = RENDER[notice.type] as (n: Notice) => string;
  return truncate(render(notice), 3900);
}

/** The few notices people act on carry buttons; the rest are text alone. */
export function noticeBlocks(notice: Notice): unknown[] | undefined {
  if (notice.type === 'comms_offer') return commsOfferMessage(notice).blocks;
  return notice.type === 'runbook_approval' ? approvalMessage(notice).blocks : undefined;
}
