/** A parsed fleet-indexing query (AWS query syntax, queryVersion 2017-09-30). */

/** A bound of a range: its value, and whether the bound itself is in the range. */
export interface Bound {
  value: string;
  inclusive: boolean;
}

export type Match =
  /** The value equals the term, case-insensitively; `*` and `?` are wildcards unless the term was quoted. */
  | { kind: 'term'; text: string; quoted: boolean }
  /** `[a TO b]`, `{a TO b}`, `field>a`, `field<=b`: numbers compare as numbers, other values as strings; `*` is open. */
  | { kind: 'range'; lower?: Bound; upper?: Bound };

export type Query =
  | { kind: 'and'; items: Query[] }
  | { kind: 'or'; items: Query[] }
  | { kind: 'not'; item: Query }
  /** `field` absent: the term is looked for in every field (AWS's rule for an unqualified term). */
  | { kind: 'match'; field?: string; match: Match; position: number };
