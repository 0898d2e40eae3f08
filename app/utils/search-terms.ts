// Firestore has no full-text search. Each showcased bot stores the words of
// its name, tag line and description, and their prefixes, so the gallery can
// find "tutor" from "tut" with one indexed array-contains query.

const MIN_LENGTH = 2;
const MAX_PREFIX = 15;
const MAX_TERMS = 600;

export function words(text: string): string[] {
  return text
    .toLocaleLowerCase("en-US")
    .normalize("NFKD")
    .replace(/\p{Diacritic}/gu, "")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length >= MIN_LENGTH);
}

export function searchTerms(...texts: string[]): string[] {
  const terms = new Set<string>();
  for (const word of texts.flatMap(words)) {
    for (let end = MIN_LENGTH; end <= Math.min(word.length, MAX_PREFIX); end += 1) terms.add(word.slice(0, end));
    terms.add(word);
    if (terms.size >= MAX_TERMS) break;
  }
  return [...terms].slice(0, MAX_TERMS);
}

/** The query's words, longest first: the longest narrows the indexed query most. */
export function queryWords(query: string): string[] {
  return [...new Set(words(query).map((word) => word.slice(0, MAX_PREFIX)))].sort((a, b) => b.length - a.length);
}
