/**
 * @module "Did you mean …?" suggestions for misspelled keys, actions, plugins and filters, so a
 * rulebook error names the fix and not only the fault.
 */

/**
 * Edit distance with transpositions (optimal string alignment variant of Damerau–Levenshtein):
 * `conditon`→`condition` is 1, `run_playbok`→`run_playbook` is 1, `acitons`→`actions` is 1.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rolling rows: the transposition step looks two rows back.
  let prevPrev: number[] = new Array<number>(b.length + 1).fill(0);
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  let curr: number[] = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    curr[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(prev[j]! + 1, curr[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, prevPrev[j - 2]! + 1);
      }
      curr[j] = best;
    }
    [prevPrev, prev, curr] = [prev, curr, prevPrev];
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `input`, or undefined when none is close enough. Close enough means
 * an edit distance (case-insensitive) of at most 2, or at most a third of the input's length,
 * and less than the input's length (so `x` does not "suggest" `m`). Ties go to the earlier
 * candidate. When nothing is close, a candidate whose last dotted segment equals the input is
 * suggested (`alertmanager` → `ansible.eda.alertmanager`).
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.toLowerCase();
  const limit = Math.min(Math.max(2, Math.floor(needle.length / 3)), needle.length - 1);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  let bySuffix: string | undefined;
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    if (lower === needle) return candidate;
    const distance = editDistance(needle, lower);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
    if (bySuffix === undefined && needle.length > 0 && lower.endsWith(`.${needle}`)) bySuffix = candidate;
  }
  return best ?? bySuffix;
}

/** `; did you mean "x"?` or the empty string, ready to append to a message. */
export function suggestionSuffix(input: string, candidates: Iterable<string>): string {
  const suggestion = didYouMean(input, candidates);
  return suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
}
