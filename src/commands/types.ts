import type { Logger } from '../lib/logger.ts';
import type { Settings } from '../config/settings.ts';
import type { Actor } from '../incidents/permissions.ts';
import type { IncidentService } from '../incidents/service.ts';
import type { RunbookSet } from '../runbooks/load.ts';
import type { RunbookRunner } from '../runbooks/runner.ts';

/** Everything a verb may use. Verbs get their dependencies here, never from globals. */
export interface CommandServices {
  incidents: IncidentService;
  settings: Settings;
  runbooks?: { set(): RunbookSet; runner: RunbookRunner };
}

/** What the Slack edge does for a verb that is not a domain change (UI, directory look-ups). */
export interface CommandPorts {
  /** Opens a modal for the person who ran the command (needs the command's trigger id). */
  openModal(view: Record<string, unknown>): Promise<void>;
  /** The person who ran the command, as the domain's permission checks need them (groups looked up, cached). */
  actor(): Promise<Actor>;
}

export interface CommandContext {
  /** The text after the verb, as Slack sent it (entity-encoded, with mention markup). */
  args: string;
  userId: string;
  channelId: string;
  triggerId?: string;
  services: CommandServices;
  ports: CommandPorts;
  log: Logger;
  now: number;
}

/** What the person who ran the command sees; ephemeral unless `inChannel`. */
export interface CommandReply {
  text: string;
  blocks?: Record<string, unknown>[];
  inChannel?: boolean;
}

export type CommandHandler = (ctx: CommandContext) => CommandReply | Promise<CommandReply>;

export interface CommandSpec {
  handler: CommandHandler;
  usage: string;
  summary: string;
}
