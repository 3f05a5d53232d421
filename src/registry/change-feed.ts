/**
 * The registry's change feed: what the broker and the credentials provider
 * must react to (drop connections, recompile policies). Listeners are awaited
 * before the API call that caused the change answers, so when
 * UpdateCertificate returns, connections using the certificate are gone.
 * Events are announced after the change is committed.
 */
export interface RegistryEvents {
  /** A certificate's status changed (UpdateCertificate). */
  'certificate-status': { certificateId: string; status: string; previousStatus: string };
  /** A certificate was deleted. */
  'certificate-deleted': { certificateId: string };
  /** A registered CA's status changed, or the CA was deleted (status 'DELETED'). */
  'ca-certificate-status': { certificateId: string; status: string };
  /** The policy's effective document changed (new default version) or the policy was deleted. */
  'policy-changed': { policyName: string };
  /** A policy was attached to or detached from a certificate or thing-group ARN. */
  'policy-attachment': { policyName: string; target: string; attached: boolean };
  /** A principal (certificate ARN) was attached to or detached from a thing. */
  'thing-principal': { thingName: string; principal: string; attached: boolean };
  /** A thing's type or attributes changed (its policy variables may resolve differently). */
  'thing-updated': { thingName: string };
  'thing-deleted': { thingName: string };
  /** A thing was created (dynamic groups may now match it). */
  'thing-created': { thingName: string };
  /** A dynamic group was created or its query changed: the fleet must be evaluated against it. */
  'dynamic-group-query': { groupName: string; queryString: string };
  /**
   * An IAM write succeeded (a role's or user's policies, a key, a group): what
   * IAM principals may do may have changed, so connections they signed are judged again.
   */
  'iam-changed': { action: string };
  /** A thing group (static or dynamic) was deleted; its members' leaving follows as thing-group-membership events. */
  'thing-group-deleted': { groupName: string; dynamic: boolean };
  /** A thing joined or left a thing group (its group policies changed). */
  'thing-group-membership': { thingName: string; groupName: string; member: boolean };
}

export type RegistryEventName = keyof RegistryEvents;
export type RegistryListener<K extends RegistryEventName> = (event: RegistryEvents[K]) => void | Promise<void>;
export type AnyRegistryListener = <K extends RegistryEventName>(name: K, event: RegistryEvents[K]) => void | Promise<void>;

type Entry = { name: RegistryEventName | '*'; listener: (...args: any[]) => void | Promise<void> };

/**
 * Carries an event to the other nodes of a cluster and waits until they have
 * applied it; throws (ServiceUnavailable) when one did not in time, so the API
 * call that made the change says so instead of answering as if done.
 */
export type ChangeRelay = <K extends RegistryEventName>(name: K, event: RegistryEvents[K]) => Promise<void>;

export class ChangeFeed {
  private readonly entries: Entry[] = [];

  /** @param onError reports a listener that threw; the change itself stands. */
  constructor(private readonly onError: (error: unknown, name: RegistryEventName) => void = () => {}) {}

  /** Subscribes to one event; returns the unsubscribe function. */
  on<K extends RegistryEventName>(name: K, listener: RegistryListener<K>): () => void {
    return this.add({ name, listener });
  }

  /** Subscribes to every event (e.g. to relay them to other nodes). */
  onAny(listener: AnyRegistryListener): () => void {
    return this.add({ name: '*', listener });
  }

  private relay: ChangeRelay | undefined;

  /** Installs the cluster's relay: every event emitted here then also reaches the other nodes before emit() resolves. */
  useRelay(relay: ChangeRelay): void {
    this.relay = relay;
  }

  /**
   * Announces an event and waits for every listener, here and (through the
   * relay) on every other node. A failing local listener does not stop the
   * others; a node that does not confirm fails the call (the change stands).
   */
  async emit<K extends RegistryEventName>(name: K, event: RegistryEvents[K]): Promise<void> {
    await this.emitLocal(name, event);
    await this.relay?.(name, event);
  }

  /** Announces an event to this node's listeners only (an event another node relayed). */
  async emitLocal<K extends RegistryEventName>(name: K, event: RegistryEvents[K]): Promise<void> {
    const targets = this.entries.filter((e) => e.name === name || e.name === '*');
    await Promise.all(
      targets.map(async (entry) => {
        try {
          if (entry.name === '*') await entry.listener(name, event);
          else await entry.listener(event);
        } catch (error) {
          this.onError(error, name);
        }
      }),
    );
  }

  private add(entry: Entry): () => void {
    this.entries.push(entry);
    return () => {
      const index = this.entries.indexOf(entry);
      if (index >= 0) this.entries.splice(index, 1);
    };
  }
}
