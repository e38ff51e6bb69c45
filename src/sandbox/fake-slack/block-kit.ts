/**
 * The Block Kit limits Slack enforces that the bot could plausibly break (lengths, counts, types).
 * Returns a reason, or undefined when the blocks are acceptable.
 */
const TEXT_LIMITS: Record<string, number> = { header: 150, section: 3000, context: 2000, markdown: 12000 };
const KNOWN = new Set([
  'header',
  'section',
  'context',
  'divider',
  'actions',
  'input',
  'image',
  'rich_text',
  'markdown',
]);

type Block = {
  type?: unknown;
  text?: { type?: unknown; text?: unknown };
  fields?: unknown;
  elements?: unknown;
  block_id?: unknown;
};

export function blocksProblem(raw: unknown): string | undefined {
  let blocks: unknown = raw;
  if (typeof raw === 'string') {
    try {
      blocks = JSON.parse(raw);
    } catch {
      return 'blocks is not valid JSON';
    }
  }
  if (!Array.isArray(blocks)) return 'blocks must be an array';
  if (blocks.length > 50) return 'no more than 50 blocks';
  for (const [i, b] of (blocks as Block[]).entries()) {
    if (typeof b?.type !== 'string' || !KNOWN.has(b.type)) return `block ${i}: unknown type ${String(b?.type)}`;
    const limit = TEXT_LIMITS[b.type];
    if (b.text !== undefined) {
      if (typeof b.text.text !== 'string' || !['plain_text', 'mrkdwn'].includes(String(b.text.type))) {
        return `block ${i}: text must be a text object`;
      }
      if (b.type === 'header' && b.text.type !== 'plain_text') return `block ${i}: header text must be plain_text`;
      if (limit && b.text.text.length > limit) return `block ${i}: text longer than ${limit}`;
    }
    if (b.fields !== undefined) {
      if (!Array.isArray(b.fields) || b.fields.length > 10) return `block ${i}: at most 10 fields`;
      for (const f of b.fields as { text?: unknown }[]) {
        if (typeof f?.text !== 'string' || f.text.length > 2000) return `block ${i}: field text longer than 2000`;
      }
    }
    if (b.type === 'context' && (!Array.isArray(b.elements) || b.elements.length > 10)) {
      return `block ${i}: context needs 1-10 elements`;
    }
    if (b.type === 'actions' && (!Array.isArray(b.elements) || b.elements.length > 25)) {
      return `block ${i}: actions need 1-25 elements`;
    }
  }
  return undefined;
}
