/**
 * Which notebooks may run their code without asking: the ones this browser's user agreed to, by
 * the SHA-256 of the notebook's exact text (crypto.subtle) — never by name, so a file that keeps a
 * trusted name but changes its code asks again. Shipped notebooks (unchanged) are trusted by the
 * caller. Storage: one localStorage key, the most recent MAX_HASHES hashes.
 */
const KEY = 'attnbook:trusted-code';
const MAX_HASHES = 500;

export async function contentHash(text: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

function read(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x)) : [];
  } catch {
    return [];
  }
}

export function isTrustedHash(hash: string): boolean {
  return read().includes(hash);
}

export function rememberTrusted(hash: string): void {
  try {
    const list = read().filter((h) => h !== hash);
    list.push(hash);
    localStorage.setItem(KEY, JSON.stringify(list.slice(-MAX_HASHES)));
  } catch {
    // storage full or disabled: trust lasts for this page only
  }
}
