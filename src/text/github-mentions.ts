/**
 * GitHub turns `@user` and `@org/team` in issue and pull request titles and bodies (and in rendered
 * Markdown) into mentions that notify: text from an incident must not page strangers on GitHub.
 * A zero-width joiner after the `@` leaves the text as it reads and stops GitHub from linking it.
 * An `@` after a letter or digit (an e-mail address) is no mention on GitHub and is left alone.
 */
const MENTION_START = /(?<![A-Za-z0-9])@(?=[A-Za-z0-9])/g;
const ZWJ = '\u200D';

export function neutraliseMentions(text: string): string {
  return text.includes('@') ? text.replace(MENTION_START, `@${ZWJ}`) : text;
}
