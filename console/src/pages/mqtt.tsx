/**
 * The MQTT test client: subscribe (wildcards allowed), publish with QoS 0 or 1, and watch
 * messages arrive with their topics, `$aws/events/…` included. It connects as the signed-in
 * identity, so its IAM policies decide what it may subscribe to and publish; a refused
 * filter is shown with the action that is missing.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { identity } from '../api.js';
import { MqttLink, type LinkState } from '../mqtt-link.js';
import { Empty, ErrorBox, Page, Table } from '../ui.js';

interface Message {
  n: number;
  at: string;
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

interface Subscription {
  filter: string;
  qos?: number;
  refused?: boolean;
}

const KEEP = 200;
const STATE_TEXT: Record<LinkState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting with a fresh URL…',
  closed: 'Disconnected',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Text when the payload is UTF-8, else its bytes in hex. */
function show(payload: Uint8Array): string {
  try {
    return utf8.decode(payload);
  } catch {
    return `0x${[...payload].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
}

const inputValue = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
const qosValue = (set: (v: 0 | 1) => void) => (e: Event) => set((e.target as HTMLSelectElement).value === '1' ? 1 : 0);

function QosSelect({ id, value, onChange }: { id: string; value: 0 | 1; onChange: (v: 0 | 1) => void }) {
  return (
    <select id={id} value={String(value)} onChange={qosValue(onChange)}>
      <option value="0">0 — at most once</option>
      <option value="1">1 — at least once</option>
    </select>
  );
}

export function MqttClientPage() {
  const link = useRef<MqttLink | undefined>(undefined);
  const counter = useRef(0);
  const [state, setState] = useState<{ state: LinkState; detail?: string }>({ state: 'connecting' });
  const [messages, setMessages] = useState<Message[]>([]);
  const [subs, setSubs] = useState<Subscription[]>([]);
  const [filter, setFilter] = useState('#');
  const [subQos, setSubQos] = useState<0 | 1>(0);
  const [topic, setTopic] = useState('');
  const [payload, setPayload] = useState('');
  const [pubQos, setPubQos] = useState<0 | 1>(0);
  const [error, setError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState('');
  const [clientId] = useState(() => `console-${crypto.randomUUID().slice(0, 8)}`);

  useEffect(() => {
    const l = new MqttLink(clientId, {
      state: (s, detail) => setState({ state: s, ...(detail ? { detail } : {}) }),
      message: (t, p, qos, retain) => {
        const m: Message = { n: ++counter.current, at: new Date().toISOString().slice(11, 23), topic: t, payload: show(p), qos, retain };
        setMessages((list) => [m, ...list].slice(0, KEEP));
      },
    });
    link.current = l;
    l.start();
    return () => l.end();
  }, [clientId]);

  const subscribe = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setNotice('');
    const f = filter.trim();
    try {
      const result = await link.current!.subscribe(f, subQos);
      setSubs((list) => [...list.filter((s) => s.filter !== f), result.refused ? { filter: f, refused: true } : { filter: f, qos: result.granted! }]);
      setNotice(result.refused ? `The broker refused ${f}.` : `Subscribed to ${f} (QoS ${result.granted}).`);
    } catch (e) {
      setError(e);
    }
  };

  const unsubscribe = async (f: string) => {
    setError(undefined);
    try {
      await link.current!.unsubscribe(f);
      setSubs((list) => list.filter((s) => s.filter !== f));
      setNotice(`Unsubscribed from ${f}.`);
    } catch (e) {
      setError(e);
    }
  };

  const publish = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setNotice('');
    try {
      await link.current!.publish(topic.trim(), payload, pubQos);
      setNotice(pubQos === 1 ? `Published to ${topic.trim()}; the broker acknowledged it (PUBACK).` : `Published to ${topic.trim()}.`);
    } catch (e) {
      setError(e);
    }
  };

  const who = identity.value?.arn ?? 'the signed-in identity';
  return (
    <Page title="MQTT test client">
      <p>
        Connected over MQTT over WebSocket to this server as <code>{who}</code>, client id <code id="mqtt-client-id">{clientId}</code>. Your IAM policies decide what you may subscribe to (
        <code>iot:Subscribe</code>, <code>iot:Receive</code>) and publish (<code>iot:Publish</code>).
      </p>
      <p role="status" class={`link-state link-${state.state}`}>
        <strong>{STATE_TEXT[state.state]}</strong>
        {state.detail ? ` — ${state.detail}` : ''}
      </p>
      <div class="mqtt-forms">
        <form onSubmit={subscribe} aria-labelledby="subscribe-title">
          <h2 id="subscribe-title">Subscribe</h2>
          <p>
            <label for="mqtt-filter">Topic filter</label>
            <input id="mqtt-filter" value={filter} onInput={inputValue(setFilter)} required aria-describedby="mqtt-filter-hint" />
            <span id="mqtt-filter-hint" class="hint">
              Wildcards: <code>+</code> one level, <code>#</code> the rest, e.g. <code>$aws/events/#</code>
            </span>
          </p>
          <p>
            <label for="mqtt-sub-qos">QoS</label>
            <QosSelect id="mqtt-sub-qos" value={subQos} onChange={setSubQos} />
          </p>
          <button type="submit" disabled={state.state !== 'connected'}>
            Subscribe
          </button>
        </form>
        <form onSubmit={publish} aria-labelledby="publish-title">
          <h2 id="publish-title">Publish</h2>
          <p>
            <label for="mqtt-topic">Topic</label>
            <input id="mqtt-topic" value={topic} onInput={inputValue(setTopic)} required />
          </p>
          <p>
            <label for="mqtt-payload">Payload</label>
            <textarea id="mqtt-payload" rows={3} value={payload} onInput={inputValue(setPayload)} />
          </p>
          <p>
            <label for="mqtt-pub-qos">QoS</label>
            <QosSelect id="mqtt-pub-qos" value={pubQos} onChange={setPubQos} />
          </p>
          <button type="submit" disabled={state.state !== 'connected'}>
            Publish
          </button>
        </form>
      </div>
      <ErrorBox error={error} />
      {notice ? <p class="hint">{notice}</p> : null}
      <h2>Subscriptions</h2>
      <Table caption="Subscriptions" head={['Topic filter', 'Result', '']}>
        {subs.length === 0 ? <Empty colSpan={3}>No subscriptions yet.</Empty> : null}
        {subs.map((s) => (
          <tr key={s.filter}>
            <td>
              <code>{s.filter}</code>
            </td>
            <td>
              {s.refused ? (
                <span class="error" role="alert">
                  Refused (SUBACK 0x80): your IAM policies do not allow <code>iot:Subscribe</code> on <code>{s.filter}</code>. Add a statement allowing
                  iot:Subscribe on its topicfilter ARN, or choose a filter you may read.
                </span>
              ) : (
                `Granted QoS ${s.qos}`
              )}
            </td>
            <td>
              {s.refused ? null : (
                <button type="button" onClick={() => unsubscribe(s.filter)}>
                  Unsubscribe <span class="visually-hidden">{s.filter}</span>
                </button>
              )}
            </td>
          </tr>
        ))}
      </Table>
      <h2>Messages</h2>
      <p>
        <button type="button" onClick={() => setMessages([])} disabled={messages.length === 0}>
          Clear messages
        </button>{' '}
        <span class="hint">The newest {KEEP} are kept, newest first.</span>
      </p>
      <div role="log" aria-label="Messages received" aria-live="off">
        <Table caption="Messages received" head={['Time (UTC)', 'Topic', 'Payload', 'QoS', 'Retained']}>
          {messages.length === 0 ? <Empty colSpan={5}>No messages yet: subscribe to a filter.</Empty> : null}
          {messages.map((m) => (
            <tr key={m.n} class="mqtt-message">
              <td>{m.at}</td>
              <td>
                <code>{m.topic}</code>
              </td>
              <td>
                <pre class="payload">{m.payload}</pre>
              </td>
              <td>{m.qos}</td>
              <td>{m.retain ? 'yes' : ''}</td>
            </tr>
          ))}
        </Table>
      </div>
    </Page>
  );
}
