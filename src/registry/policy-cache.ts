import { compilePolicies, parsePolicyDocument } from '../policy/index.js';

export type ParsedPolicy = ReturnType<typeof parsePolicyDocument>;
export type CompiledPolicies = ReturnType<typeof compilePolicies>;

const MAX_ENTRIES = 10_000;

/**
 * Parsed IoT policy documents keyed by their text, and compiled sets keyed by
 * their documents' texts in order, so an entry can never go stale (a recreated
 * policy with another document is another key); only bounded. Compiled sets are
 * read-only (binding makes new statements), so connections share them.
 */
export class PolicyCache {
  private readonly entries = new Map<string, ParsedPolicy>();
  private readonly sets = new Map<string, CompiledPolicies>();

  parsed(document: string): ParsedPolicy {
    return remember(this.entries, document, () => parsePolicyDocument(document, 'iot'));
  }

  /** The compiled set of these documents: every device with the same policies shares one. */
  compiled(documents: string[]): CompiledPolicies {
    return remember(this.sets, JSON.stringify(documents), () => compilePolicies(documents.map((d) => this.parsed(d))));
  }
}

function remember<T>(map: Map<string, T>, key: string, make: () => T): T {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
    if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
  }
  return value;
}
