/** A thing as the AWS_Things index holds it (the SearchIndex ThingDocument shape, protocol-free). */
export interface ThingConnectivityDoc {
  connected: boolean;
  /** Epoch ms of the latest connect (connected) or disconnect; absent for a thing that never connected. */
  timestamp?: number;
  disconnectReason?: string;
}

export interface ThingDocument {
  thingName: string;
  thingId: string;
  thingTypeName?: string;
  /** The static groups the thing is directly in (dynamic groups are defined by queries, so never queried themselves). */
  thingGroupNames: string[];
  attributes: Record<string, string>;
  connectivity: ThingConnectivityDoc;
}

/** A document's values of one field (`*`: every field, for an unqualified term). */
export function valuesOf(doc: ThingDocument, field: string): string[] {
  switch (field) {
    case 'thingName':
      return [doc.thingName];
    case 'thingId':
      return [doc.thingId];
    case 'thingTypeName':
      return doc.thingTypeName === undefined ? [] : [doc.thingTypeName];
    case 'thingGroupNames':
      return doc.thingGroupNames;
    case 'connectivity.connected':
      return [String(doc.connectivity.connected)];
    case 'connectivity.timestamp':
      return doc.connectivity.timestamp === undefined ? [] : [String(doc.connectivity.timestamp)];
    case 'connectivity.disconnectReason':
      return doc.connectivity.disconnectReason === undefined ? [] : [doc.connectivity.disconnectReason];
    case '*':
      return ['thingName', 'thingId', 'thingTypeName', 'thingGroupNames', 'connectivity.disconnectReason'].flatMap((f) => valuesOf(doc, f)).concat(Object.values(doc.attributes));
    default: {
      const value = field.startsWith('attributes.') ? doc.attributes[field.slice('attributes.'.length)] : undefined;
      return value === undefined ? [] : [value];
    }
  }
}
