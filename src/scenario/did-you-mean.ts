/**
 * "Did you mean …?" suggestions for misspelt keys. Uses the optimal-string-alignment variant of
 * the Damerau–Levenshtein distance, so a swapped pair of letters (`femaleFarction`) costs 1,
 * which is the most common typing slip.
 */

/** Edits (insert, delete, substitute, swap adjacent) needed to turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * How far a word may be from a candidate and still be worth suggesting. Short words get a
 * tight limit: with two edits allowed, `XY` would "match" both `CN` and `AD`.
 */
export function maxSuggestDistance(word: string): number {
  if (word.length <= 3) return 1;
  return Math.max(2, Math.floor(word.length / 3));
}

/** The closest candidate (ignoring case), or undefined when none is close enough to help. */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const limit = maxSuggestDistance(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // The distance is at least the difference in length: skip the O(|a|·|b|) table when that
    // alone rules a candidate out (a pasted 1 MB "key" must not build a 1 MB × 20 table).
    if (Math.abs(word.length - candidate.length) > Math.min(limit, bestDistance)) continue;
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit && best !== word ? best : undefined;
}
