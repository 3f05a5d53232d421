/**
 * Maps whose keys come from a request (thing attributes, S3 metadata, form
 * parameters) or are looked up by request text (dispatch and lookup tables).
 * A plain object literal has a prototype: assigning `__proto__` to it is
 * ignored (issue 24: a thing attribute named `__proto__` was silently lost),
 * and looking up `constructor` or `toString` finds Object's methods. These
 * records have no prototype, so every key is an ordinary key and only what
 * was put in is found. JSON.stringify, Object.keys/entries and spreading
 * treat them as any other object.
 */
export function dictionary<V>(entries: Iterable<readonly [string, V]> | Readonly<Record<string, V>> = []): Record<string, V> {
  const out = Object.create(null) as Record<string, V>;
  const pairs = Symbol.iterator in entries ? (entries as Iterable<readonly [string, V]>) : Object.entries(entries);
  for (const [key, value] of pairs) out[key] = value;
  return out;
}
