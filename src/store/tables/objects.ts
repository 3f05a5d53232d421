/** The objects tables. Owned by the objects part of Ferry; add its table interfaces here. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ObjectsTables {}
