import { parsePolicyDocument } from '../policy/index.js';

export type ParsedPolicy = ReturnType<typeof parsePolicyDocument>;

const MAX_ENTRIES = 10_000;

/**
 * Parsed IoT policy documents keyed by their text, so an entry can never go
 * stale (a recreated policy with another document is another key); only bounded.
 */
export class PolicyCache {
  private readonly entries = new Map<string, ParsedPolicy>();

  parsed(document: string): ParsedPolicy {
    let parsed = this.entries.get(document);
    if (parsed === undefined) {
      parsed = parsePolicyDocument(document, 'iot');
      this.entries.set(document, parsed);
      if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    }
    return parsed;
  }
}
