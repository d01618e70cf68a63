/**
 * @module The BullMQ queue name of a ruleset. Ruleset names are free text (spaces, colons,
 * unicode), while a BullMQ queue name may not contain `:` and ends up inside Redis keys, so the
 * name is a readable ASCII slug plus a hash of the exact name: distinct rulesets never share a
 * queue, and `redis-cli --scan` still shows which ruleset a key belongs to.
 */
import { createHash } from 'node:crypto';

const MAX_SLUG = 40;
const HASH_CHARS = 12;

/** `rs-<slug>-<12 hex of sha256(name)>`, e.g. `Web servers: prod` → `rs-Web-servers-prod-3f9c…`. */
export function rulesetQueueName(ruleset: string): string {
  let name = names.get(ruleset);
  if (name === undefined) {
    // A rulebook has few rulesets; the bound only guards against a caller inventing names.
    if (names.size >= MAX_REMEMBERED) names.clear();
    names.set(ruleset, (name = computeQueueName(ruleset)));
  }
  return name;
}

/** Names already computed: every enqueued event and dedup key needs its ruleset's. */
const names = new Map<string, string>();
const MAX_REMEMBERED = 1_000;

function computeQueueName(ruleset: string): string {
  const slug = ruleset
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(ruleset, 'utf8').digest('hex').slice(0, HASH_CHARS);
  return slug === '' ? `rs-${hash}` : `rs-${slug}-${hash}`;
}
