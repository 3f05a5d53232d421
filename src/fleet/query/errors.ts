import { FerryError } from '../../errors.js';

/** A query AWS's parser would refuse: InvalidQueryException, saying where (a 0-based character offset). */
export function invalidQuery(problem: string, position: number): FerryError {
  return new FerryError('InvalidInput', `Syntax error in query at position ${position}: ${problem}.`, { reason: 'invalid-query', fields: { position: String(position) } });
}
