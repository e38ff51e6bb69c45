/**
 * What the public may read of a text written in Slack: no mentions of people, user groups,
 * channels or `@here`. Slack sends them as markup (`<@U…>`, `<@U…|name>`, `<!subteam^S…|@team>`,
 * `<!here>`, `<#C…|name>`); once turned into plain text they read `@name` and cannot be told from
 * words, so they are removed from the raw text, before it is decoded. Plain text (a form field)
 * holds no markup a person did not type, and the same removal is harmless there.
 * Linear: after `<` and a fixed prefix, `[^<>]*` stops at the next bracket.
 */
const SLACK_MENTION = /<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+|!subteam\^[A-Z0-9]+|!(?:here|channel|everyone))(?:\|[^<>]*)?>/g;

export function withoutSlackMentions(text: string): string {
  return text.includes('<') ? text.replace(SLACK_MENTION, '') : text;
}
