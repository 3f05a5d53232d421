/** The jobs tables. Owned by the jobs part of Ferry; add its table interfaces here. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface JobsTables {}
