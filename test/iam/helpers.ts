export { rejectsWith } from '../helpers/assert.js';
export { allowPolicy, trustPolicy } from '../helpers/policies.js';
