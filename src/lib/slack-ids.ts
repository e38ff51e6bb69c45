/**
 * Slack's ids, in one place: what a user id and a user group id look like. Each pattern is a run of
 * one character class, anchored, so testing it is linear in its input. A leaf module (it imports
 * nothing), so that the Slack edge and the folders that parse settings written for Slack (config,
 * runbooks) share it without importing each other; the domain never does (to it a user is an opaque
 * reference).
 */

/**
 * The name Slack goes by in what the bot stores: the source of incidents declared in Slack and the
 * `via` of what people do there (rows written before the domain was told this name say it too).
 */
export const SLACK_SOURCE = 'slack';

/** A user: U…, or W… for an Enterprise Grid user. */
export const USER_ID_PATTERN = '[UW][A-Z0-9]{2,}';
/** A user group (what Slack writes as `<!subteam^S…>`). */
export const GROUP_ID_PATTERN = 'S[A-Z0-9]{2,}';

export const USER_ID = new RegExp(`^${USER_ID_PATTERN}$`);

export const isUserId = (value: unknown): value is string => typeof value === 'string' && USER_ID.test(value);
