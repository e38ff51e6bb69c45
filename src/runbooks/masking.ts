/** Hides secret values (value → name) in a whole text: `‹NAME›` in place of each. */
export const mask = (text: string, secrets: Map<string, string>) => {
  let out = text;
  for (const [value, name] of secrets) out = out.split(value).join(`‹${name}›`);
  return out;
};

/**
 * Masks secrets in a stream of chunks. Masking each chunk alone lets a secret through when it is
 * split across two chunks, so the last (longest secret − 1) characters are held back until the next
 * chunk (or the end) shows whether they start a secret. What `push` returns is safe to store, post
 * and log; `end` returns the rest.
 */
export class SecretMasker {
  private held = '';
  private readonly secrets: [value: string, name: string][];
  private readonly keep: number;

  constructor(secrets: Map<string, string>) {
    this.secrets = [...secrets].filter(([value]) => value.length > 0);
    this.keep = Math.max(0, ...this.secrets.map(([value]) => value.length - 1));
  }

  push(chunk: string): string {
    const text = this.held + chunk;
    // Nothing from here on is let out before the next chunk: it may be the start of a secret.
    const safeEnd = Math.max(0, text.length - this.keep);
    let out = '';
    let at = 0;
    for (;;) {
      const hit = this.next(text, at);
      if (!hit || hit.index >= safeEnd) break;
      out += `${text.slice(at, hit.index)}‹${hit.name}›`;
      at = hit.index + hit.length;
    }
    const cut = Math.max(at, safeEnd);
    this.held = text.slice(cut);
    return out + text.slice(at, cut);
  }

  end(): string {
    const rest = this.held;
    this.held = '';
    return mask(rest, new Map(this.secrets));
  }

  /** The leftmost secret at or after `from` (the longest one when several start there). */
  private next(text: string, from: number): { index: number; length: number; name: string } | null {
    let best: { index: number; length: number; name: string } | null = null;
    for (const [value, name] of this.secrets) {
      const index = text.indexOf(value, from);
      if (index < 0) continue;
      if (!best || index < best.index || (index === best.index && value.length > best.length))
        best = { index, length: value.length, name };
    }
    return best;
  }
}
