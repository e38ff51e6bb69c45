import type { Reply } from './reply.ts';
import type { Logger } from '../lib/logger.ts';
import type { Settings } from '../config/settings.ts';
import type { Actor } from '../incidents/permissions.ts';
import type { IncidentService } from '../incidents/service.ts';
import type { MaintenanceService } from '../incidents/maintenance.ts';
import type { PublicReports } from '../incidents/public-report.ts';
import type { Incident } from '../incidents/types.ts';
import type { Runbook, RunbookSet } from '../runbooks/load.ts';
import type { RunbookRunner } from '../runbooks/runner.ts';
import type { InsightsService } from '../insights/service.ts';

/** Everything a verb may use. Verbs get their dependencies here, never from globals. */
export interface CommandServices {
  incidents: IncidentService;
  settings: Settings;
  runbooks?: { set(): RunbookSet; runner: RunbookRunner };
  maintenances?: MaintenanceService;
  reports?: PublicReports;
  insights?: InsightsService;
}

/** A chat message an incident is declared from: quoted in the form, then linked on the timeline. */
export interface QuotedMessage {
  room: string;
  ts: string;
  author: string | null;
  text: string;
}

/** A form a verb asks the person to fill in; the edge draws it and handles what is submitted. */
export type FormRequest =
  | { kind: 'declare'; channelId: string; quote?: QuotedMessage }
  | { kind: 'maintenance'; channelId: string }
  | { kind: 'update'; incident: Incident }
  | { kind: 'runbook_params'; runbook: Runbook; incidentId: number; given: Record<string, string>; dryRun: boolean };

/**
 * How the chat platform writes command text. Verbs read their arguments only through this, so they
 * know no platform's markup: the edge passes the reader for the text it received.
 */
export interface ArgText {
  /** What the person typed, as plain text (a mention reads `@name`). */
  plain(raw: string): string;
  /** The raw text with every mention of people, groups, channels or everyone removed (for what the public reads). */
  withoutMentions(raw: string): string;
  /** The user a token names, if it is exactly one mention of a person. */
  userOf(token: string): string | null;
  /** A mention at the very end names someone: the raw text before it and the user, or the text unchanged. */
  splitTrailingMention(raw: string): { text: string; user: string | null };
}

/** What the edge does for a verb that is not a domain change (UI, directory look-ups). */
export interface CommandPorts {
  /** Opens a form for the person who ran the command (it must open within the command's trigger window). */
  openForm(form: FormRequest): Promise<void>;
  /** The person who ran the command, as the domain's permission checks need them (groups looked up, cached). */
  actor(): Promise<Actor>;
}

export interface CommandContext {
  /** The text after the verb, as the platform sent it: read it through `text`. */
  args: string;
  text: ArgText;
  userId: string;
  channelId: string;
  triggerId?: string;
  services: CommandServices;
  ports: CommandPorts;
  log: Logger;
  now: number;
}

/** What the person who ran the command sees (nothing, when a form opened instead); ephemeral unless `inChannel`. */
export interface CommandReply {
  text: Reply;
  inChannel?: boolean;
  /** The same answer laid out as sections and a link, for platforms that draw layouts (`text` stays the fallback). */
  blocks?: { sections: Reply[]; link?: { text: string; url: string } };
}

export type CommandHandler = (ctx: CommandContext) => CommandReply | Promise<CommandReply>;

export interface CommandSpec {
  handler: CommandHandler;
  usage: string;
  summary: string;
}
