/** The mqtt tables. Owned by the mqtt part of Ferry; add its table interfaces here. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface MqttTables {}
