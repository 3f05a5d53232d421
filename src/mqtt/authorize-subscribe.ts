import type { AedesOptions, Subscription } from 'aedes';
import type { Logger } from 'pino';
import type { Connections } from './connections.js';
import { byteLength, DEFAULT_MQTT_LIMITS, type MqttLimits } from './limits.js';
import { subscribeRefusal } from './reserved-topics.js';
import type { MqttArns } from './topics.js';
import type { SignedPrincipal } from './iam-authority.js';

/** A SigV4 (operator) connection's request its IAM policies refused, for the audit log. */
export interface OperatorRefusal {
  principal: SignedPrincipal;
  clientId: string;
  sourceIp: string | undefined;
  action: 'iot:Subscribe';
  resource: string;
  message: string;
}

export interface AuthorizeSubscribeDeps {
  connections: Connections;
  arns: MqttArns;
  logger: Logger;
  /** Refused subscriptions, so the session store does not keep them (see session-store.ts). */
  refused: WeakSet<object>;
  /** Filters past the per-SUBSCRIBE limit (marked by inbound-throttle.ts). */
  overLimit?: WeakSet<object>;
  limits?: MqttLimits;
  /** An operator's (SigV4) subscription its policies refused; devices' refusals are only logged. */
  operatorRefused?: (refusal: OperatorRefusal) => void;
}

/**
 * SUBSCRIBE: `iot:Subscribe` on `topicfilter/{filter as sent}` for each filter
 * (aws-wire-protocols.md §7: `+` and `#` are literal characters to a policy).
 *
 * A refused filter gets the SUBACK failure code 0x80 and the connection stays
 * open, so a device that asks for one topic too many keeps the others. This is
 * Ferry's choice: for MQTT 3.1.1 AWS has been reported to close the connection
 * instead (aws-wire-protocols.md §7 and §11 question 7); 0x80 is what MQTT 3.1.1
 * defines for a refused filter and what clients handle. aedes also asks here
 * when it restores a persistent session, so restored subscriptions meet the
 * policies of the day. QoS 2 is granted as QoS 1 (see packet-guard.ts).
 *
 * AWS's limits: a filter past the eighth of one SUBSCRIBE gets 0x80; a
 * subscription that would take the connection past 50 closes it (THROTTLED),
 * as AWS documents for "subscriptions per connection".
 */
export function authorizeSubscribe(deps: AuthorizeSubscribeDeps): NonNullable<AedesOptions['authorizeSubscribe']> {
  return (client, subscription, done) => {
    const connection = deps.connections.of(client);
    const device = connection?.device;
    const filter = subscription.topic;
    const refuse = (message: string) => {
      deps.refused.add(subscription);
      deps.logger.info({ clientId: connection?.clientId, filter }, `mqtt subscription refused: ${message}`);
      done(null, null);
    };
    if (!connection || !device) return refuse('unauthenticated client');
    const limits = deps.limits ?? DEFAULT_MQTT_LIMITS;
    if (deps.overLimit?.has(subscription)) return refuse(`more than ${limits.filtersPerSubscribe} topic filters in one SUBSCRIBE`);
    if (byteLength(filter) > limits.maxTopicBytes) return refuse(`topic filter exceeds ${limits.maxTopicBytes} bytes`);
    const reserved = subscribeRefusal(filter);
    if (reserved) return refuse(reserved);
    const resource = deps.arns.topicFilter(filter);
    if (!device.policy.allows('iot:Subscribe', resource)) {
      const message = `iot:Subscribe is not allowed on ${filter}`;
      if (connection.signer) {
        deps.operatorRefused?.({ principal: connection.signer, clientId: connection.clientId, sourceIp: connection.sourceIp, action: 'iot:Subscribe', resource, message });
      }
      return refuse(message);
    }
    if (!connection.subscriptions.has(filter) && connection.subscriptions.size >= limits.subscriptionsPerConnection) {
      deps.refused.add(subscription);
      connection.noteDisconnect('THROTTLED');
      deps.logger.info({ clientId: connection.clientId, filter }, `mqtt connection closed: more than ${limits.subscriptionsPerConnection} subscriptions`);
      return done(new Error(`more than ${limits.subscriptionsPerConnection} subscriptions on one connection`));
    }
    connection.subscriptions.add(filter);
    if (subscription.qos > 1) subscription.qos = 1;
    done(null, subscription as Subscription);
  };
}
