/**
 * The metrics the session layer of a member keeps: sessions, client connections, watches,
 * requests by operation, and client traffic.
 *
 * @module
 */
import type { ClientChannel } from "../ports/client-channel.js";
import type { ClientOp } from "../protocol/client-messages.js";
import type { Counter } from "./counter.js";
import type { MetricsRegistry } from "./metrics-registry.js";

/**
 * What the metrics read from the session layer at scrape time.
 *
 * @since 0.1.0
 * @internal
 */
export interface CoordinationMetricsSource {
  /** Sessions open in the ensemble, as this member's data tree holds them. */
  sessions(): number;
  /** Client connections this member serves (their handshake completed). */
  connections(): number;
  /** Watches this member's client connections hold. */
  watches(): number;
}

/**
 * Every client operation, so that each has its series from the start: a series that appears only
 * with its first request hides that request from `rate()`. The type makes the list complete.
 */
const CLIENT_OPS = {
  create: true,
  delete: true,
  exists: true,
  getData: true,
  setData: true,
  getChildren: true,
  sync: true,
  multi: true,
  ping: true,
  closeSession: true,
  addWatch: true,
  removeWatches: true,
} as const satisfies Record<ClientOp["op"], true>;

/**
 * The instruments of one member's session layer, registered once in the member's registry.
 *
 * @remarks
 * Counting a request or a frame is a counter increment. Sessions, connections and watches are
 * read by callbacks at scrape time: the session layer already holds them.
 * @since 0.1.0
 * @internal
 */
export class CoordinationMetrics {
  readonly #requests: Readonly<Record<ClientOp["op"], Counter>>;
  readonly #sentFrames: Counter;
  readonly #sentBytes: Counter;
  readonly #receivedFrames: Counter;
  readonly #receivedBytes: Counter;
  readonly #watchEvents: Counter;

  /**
   * @param registry - Where to register; the names must be free there.
   * @param source - The session layer's counts, read at scrape time.
   */
  constructor(registry: MetricsRegistry, source: CoordinationMetricsSource) {
    registry.gauge({
      name: "zab_sessions",
      help: "Sessions open in the ensemble, as this member's data tree holds them.",
      collect: () => source.sessions(),
    });
    registry.gauge({
      name: "zab_client_connections",
      help: "Client connections this member serves (handshake completed).",
      collect: () => source.connections(),
    });
    registry.gauge({
      name: "zab_watches",
      help: "Watches held by this member's client connections (one kind of watch on one path counts one).",
      collect: () => source.watches(),
    });
    const requests: Partial<Record<ClientOp["op"], Counter>> = {};
    for (const op of Object.keys(CLIENT_OPS) as ClientOp["op"][]) {
      requests[op] = registry.counter({
        name: "zab_client_requests_total",
        help: "Client requests this member received, by operation.",
        labels: { op },
      });
    }
    this.#requests = requests as Record<ClientOp["op"], Counter>;
    this.#sentFrames = registry.counter({
      name: "zab_client_sent_frames_total",
      help: "Frames this member sent to its clients.",
    });
    this.#sentBytes = registry.counter({
      name: "zab_client_sent_bytes_total",
      help: "Bytes of the frames this member sent to its clients (encoded messages, without transport framing).",
    });
    this.#receivedFrames = registry.counter({
      name: "zab_client_received_frames_total",
      help: "Frames this member received from its clients.",
    });
    this.#receivedBytes = registry.counter({
      name: "zab_client_received_bytes_total",
      help: "Bytes of the frames this member received from its clients (encoded messages, without transport framing).",
    });
    this.#watchEvents = registry.counter({
      name: "zab_watch_events_total",
      help: "Watch events this member sent to its clients: the fan-out of its watches.",
    });
  }

  /** A watch fired: one event went to one client connection. */
  watchEvent(): void {
    this.#watchEvents.inc();
  }

  /**
   * A client request arrived (after the handshake).
   *
   * @param op - Its operation.
   */
  request(op: ClientOp["op"]): void {
    this.#requests[op].inc();
  }

  /**
   * Wraps a client channel so that the frames and bytes crossing it are counted both ways.
   *
   * @param channel - The channel as the acceptor handed it over.
   * @returns The same channel, counted; hand this one to the connection.
   */
  counted(channel: ClientChannel): ClientChannel {
    return {
      listen: (listener) =>
        channel.listen({
          frame: (frame) => {
            this.#receivedFrames.inc();
            this.#receivedBytes.inc(frame.byteLength);
            listener.frame(frame);
          },
          closed: () => listener.closed(),
        }),
      send: (frame) => {
        this.#sentFrames.inc();
        this.#sentBytes.inc(frame.byteLength);
        channel.send(frame);
      },
      close: () => channel.close(),
    };
  }
}
