/** The iam tables. Owned by the iam part of Ferry; add its table interfaces here. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface IamTables {}
