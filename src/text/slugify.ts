/** Lowercase ASCII letters and digits joined by single hyphens: safe as a channel name, file or branch part. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '') // strip the accents NFKD split off, so "Café" becomes "cafe"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
