import { parsePolicyDocument, type PolicyDocument } from '../policy/index.js';

const MAX_CACHED = 5_000;

/**
 * Stored IAM policy documents, parsed once each: keyed by their text, so an
 * entry can never go stale; the oldest goes first past MAX_CACHED texts.
 */
export class ParsedPolicies {
  private readonly parsed = new Map<string, PolicyDocument>();

  get(document: string): PolicyDocument {
    let doc = this.parsed.get(document);
    if (doc === undefined) {
      // Stored documents passed the size quota when they were written.
      doc = parsePolicyDocument(document, 'iam', { maxChars: Number.MAX_SAFE_INTEGER });
      this.parsed.set(document, doc);
      if (this.parsed.size > MAX_CACHED) this.parsed.delete(this.parsed.keys().next().value!);
    }
    return doc;
  }
}
