// Drafts kept in this browser's localStorage, under the product's own prefix.
// Storage can be full or switched off; a draft then lives only as long as its page.

const PREFIX = "assistant-lab:";

export function readStored(key: string): string | null {
  try {
    return localStorage.getItem(PREFIX + key);
  } catch {
    return null;
  }
}

/** Stores `value`, or forgets the draft when there is nothing in it. */
export function writeStored(key: string, value: string | null) {
  try {
    if (value !== null && value.trim()) localStorage.setItem(PREFIX + key, value);
    else localStorage.removeItem(PREFIX + key);
  } catch {
    // See the note at the top.
  }
}

/** Forgets every draft whose key starts with `prefix`. */
export function forgetStored(prefix: string) {
  try {
    const keys = Array.from({ length: localStorage.length }, (_, index) => localStorage.key(index));
    for (const key of keys) if (key?.startsWith(PREFIX + prefix)) localStorage.removeItem(key);
  } catch {
    // See the note at the top.
  }
}
