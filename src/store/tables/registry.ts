/** The registry tables. Owned by the registry part of Ferry; add its table interfaces here. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RegistryTables {}
