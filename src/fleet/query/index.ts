export type { Query, Match, Bound } from './ast.js';
export { parseQuery, fieldsOf, checkField, MAX_TERMS } from './parser.js';
export { matches } from './match.js';
