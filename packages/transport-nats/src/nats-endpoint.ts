/**
 * One NATS connection of a zab endpoint: its subscription, authentication of everything that
 * arrives, refusal counters and their logging, the connection's ups and downs, and a heartbeat.
 *
 * @module
 */
import { connect, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { type Logger, untilAborted, ZabError } from "@zab/core";
import {
  decodeEnvelope,
  ENDPOINT_NAME_BYTES_MAX,
  type EndpointRole,
  type Envelope,
  type EnvelopeKey,
  encodeEnvelope,
  envelopeOverheadBytes,
} from "./envelope.js";
import type { ResolvedNatsOptions } from "./nats-options.js";

/**
 * Messages refused by an endpoint, by reason, since it started.
 *
 * @remarks
 * - `malformed`: not an envelope (garbage, a truncated message, an unknown version);
 * - `forged`: an envelope whose MAC does not check out (no secret, a wrong one, another cluster,
 *   altered bytes);
 * - `misaddressed`: authentic, but for another endpoint or role, or a handshake step nobody
 *   waits for (a replayed `open`, `accept` or `confirm` lands here);
 * - `replayed`: authentic, for a live channel, at a seq already taken (the channel is closed).
 *
 * Every refusal is also logged as a warning (at most one line per reason per second, with the
 * count of those not logged).
 * @since 0.1.0
 */
export interface NatsRefusals {
  /** Messages that are not envelopes. */
  readonly malformed: number;
  /** Envelopes whose MAC does not check out. */
  readonly forged: number;
  /** Authentic envelopes for another endpoint or role, or a handshake step nobody waits for. */
  readonly misaddressed: number;
  /** Authentic envelopes of a live channel at a seq already taken. */
  readonly replayed: number;
}

/**
 * A reason a message was refused.
 *
 * @since 0.1.0
 * @internal
 */
export type RefusalReason = keyof NatsRefusals;

/**
 * What an endpoint tells its owner.
 *
 * @since 0.1.0
 * @internal
 */
export interface EndpointHandler {
  /** An authenticated envelope addressed to this endpoint and role arrived. */
  envelope(envelope: Envelope, message: Msg): void;
  /**
   * The connection to NATS went down (or NATS dropped messages for this endpoint, a slow
   * consumer): every channel must break, since messages may have been lost either way.
   */
  interrupted(reason: string): void;
  /** The connection is back (after `interrupted`). */
  restored(): void;
  /** The heartbeat: every `heartbeatIntervalMs`. */
  tick(now: number): void;
}

/** How a request (an `open`) ended without an answer. */
export type RequestFailure = "noResponders" | "timeout" | "lost";

/** The shortest `max_payload` a server may have: room for a useful chunk after the envelope. */
const MAX_PAYLOAD_BYTES_MIN = 1024;
/** How long closing waits for what was published to reach the server. */
const CLOSE_FLUSH_TIMEOUT_MS = 2_000;
/** How often a refusal reason may be logged. */
const REFUSAL_LOG_INTERVAL_MS = 1_000;

/**
 * A connected, subscribed endpoint.
 *
 * @since 0.1.0
 * @internal
 */
export class NatsEndpoint {
  readonly name: string;
  readonly role: EndpointRole;
  readonly key: EnvelopeKey;
  readonly options: ResolvedNatsOptions;
  readonly #connection: NatsConnection;
  readonly #logger: Logger;
  readonly #description: string;
  readonly #refusals: Record<RefusalReason, number> = {
    malformed: 0,
    forged: 0,
    misaddressed: 0,
    replayed: 0,
  };
  readonly #refusalLog = new Map<RefusalReason, { atMs: number; suppressed: number }>();
  #handler: EndpointHandler | undefined;
  #subscription: Subscription | undefined;
  #timer: NodeJS.Timeout | undefined;
  #connected = true;
  #closing: Promise<void> | undefined;

  private constructor(
    connection: NatsConnection,
    settings: {
      readonly name: string;
      readonly role: EndpointRole;
      readonly options: ResolvedNatsOptions;
      readonly logger: Logger;
      readonly description: string;
    },
  ) {
    this.#connection = connection;
    this.name = settings.name;
    this.role = settings.role;
    this.options = settings.options;
    this.key = { secret: settings.options.secret, cluster: settings.options.cluster };
    this.#logger = settings.logger;
    this.#description = settings.description;
  }

  /**
   * Connects to NATS.
   *
   * @param settings - The endpoint's name and role, its settings, where it logs, how it is
   *   described in logs, and a signal to give up.
   * @returns The endpoint, connected but not yet subscribed ({@link NatsEndpoint.listen}).
   * @throws {@link @zab/core!ZabError} with code `"ConnectionLoss"` when no server can be reached
   *   or it refuses the credentials, `"Invalid"` for a server whose `max_payload` is too small,
   *   `"Aborted"` when the signal fired.
   */
  static async connect(settings: {
    readonly name: string;
    readonly role: EndpointRole;
    readonly options: ResolvedNatsOptions;
    readonly logger: Logger;
    readonly description: string;
    readonly signal?: AbortSignal | undefined;
  }): Promise<NatsEndpoint> {
    const { options, signal } = settings;
    if (new TextEncoder().encode(settings.name).byteLength > ENDPOINT_NAME_BYTES_MAX) {
      throw new ZabError("Invalid", `the endpoint name ${settings.name} is too long`);
    }
    signal?.throwIfAborted();
    const pending = connect({
      // Members must outlive any NATS outage: never give up reconnecting unless told to.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      name: settings.description,
      ...options.connection,
      servers: options.servers,
    });
    let connection: NatsConnection;
    try {
      connection = await untilAborted(pending, signal);
    } catch (error) {
      // A connection that completes after the abort is closed, not leaked.
      void pending.then((late) => late.close()).catch(() => undefined);
      if (signal?.aborted === true) {
        throw new ZabError("Aborted", `${settings.description}: gave up connecting to NATS`, {
          cause: error,
        });
      }
      throw new ZabError(
        "ConnectionLoss",
        `${settings.description} cannot connect to NATS at ${options.servers.join(", ")}: ${describe(error)}`,
        { cause: error },
      );
    }
    const endpoint = new NatsEndpoint(connection, settings);
    const room =
      endpoint.maxPayloadBytes() - envelopeOverheadBytes(settings.name, "x".repeat(ENDPOINT_NAME_BYTES_MAX));
    if (endpoint.maxPayloadBytes() < MAX_PAYLOAD_BYTES_MIN || room < 64) {
      await connection.close();
      throw new ZabError(
        "Invalid",
        `the NATS server's max_payload (${endpoint.maxPayloadBytes()}) is below ${MAX_PAYLOAD_BYTES_MIN} bytes`,
      );
    }
    return endpoint;
  }

  /**
   * Subscribes to the endpoint's subject and starts the heartbeat.
   *
   * @param subject - Where the endpoint listens.
   * @param handler - Receives what arrives.
   */
  listen(subject: string, handler: EndpointHandler): void {
    this.#handler = handler;
    this.#subscription = this.#connection.subscribe(subject, {
      callback: (error, message) => {
        if (error !== null) {
          this.#logger.warn(
            { endpoint: this.#description, error: describe(error) },
            `${this.#description}: subscription error`,
          );
          return;
        }
        this.#received(message);
      },
    });
    this.#timer = setInterval(() => handler.tick(performance.now()), this.options.heartbeatIntervalMs);
    this.#timer.unref();
    void this.#watchStatus(handler);
  }

  /**
   * Resolves once the NATS server has processed everything sent so far, the subscription of
   * {@link NatsEndpoint.listen} included: from then on, messages to the endpoint's subject reach
   * it (an open sent to it is not answered "no responders").
   *
   * @returns When the server answered, or after a bounded wait (the endpoint then becomes
   *   reachable a little later, as after a reconnect).
   */
  async subscribed(): Promise<void> {
    await untilAborted(this.#connection.flush(), AbortSignal.timeout(this.options.handshakeTimeoutMs)).catch(
      () => undefined,
    );
  }

  /** Whether the connection to NATS is up (messages published now may arrive). */
  get connected(): boolean {
    return this.#connected && !this.#connection.isClosed();
  }

  /** The largest message the connected server takes. */
  maxPayloadBytes(): number {
    return this.#connection.info?.max_payload ?? MAX_PAYLOAD_BYTES_MIN;
  }

  /** Messages refused so far, by reason. */
  get refusals(): NatsRefusals {
    return { ...this.#refusals };
  }

  /**
   * Publishes an envelope. Dropped while the connection is down: whatever it belonged to broke
   * with the connection.
   *
   * @param subject - The target's subject.
   * @param envelope - The message.
   */
  publish(subject: string, envelope: Envelope): void {
    if (!this.connected) return;
    try {
      this.#connection.publish(subject, encodeEnvelope(this.key, envelope));
    } catch (error) {
      // Only a closing or closed connection throws here; what it carried is lost with it, as
      // with a broken connection, and the channels hear so from `interrupted` or `close`.
      this.#logger.debug({ endpoint: this.#description, error: describe(error) }, "a publish failed");
    }
  }

  /**
   * Answers a request (an `open`) on its reply subject.
   *
   * @param message - The request.
   * @param envelope - The answer.
   */
  respond(message: Msg, envelope: Envelope): void {
    if (!this.connected || message.reply === undefined) return;
    this.publish(message.reply, envelope);
  }

  /**
   * Sends a request and waits for its authenticated answer.
   *
   * @param subject - The target's subject.
   * @param envelope - The request.
   * @returns The answer (authenticated, not yet checked for what it says), or why there was none.
   */
  async request(subject: string, envelope: Envelope): Promise<Envelope | RequestFailure> {
    if (!this.connected) return "lost";
    let answer: Msg;
    try {
      answer = await this.#connection.request(subject, encodeEnvelope(this.key, envelope), {
        timeout: this.options.handshakeTimeoutMs,
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : "";
      if (name === "NoRespondersError") return "noResponders";
      if (name === "TimeoutError") return "timeout";
      return "lost";
    }
    const decoded = decodeEnvelope(this.key, answer.data);
    if (typeof decoded === "string") {
      this.refuse(decoded, { subject: answer.subject }, "refused an answer to a handshake");
      return "lost";
    }
    return decoded;
  }

  /**
   * Counts and logs a refused message.
   *
   * @param reason - Why.
   * @param fields - What is known of it.
   * @param message - A sentence for the log.
   */
  refuse(reason: RefusalReason, fields: Record<string, unknown>, message: string): void {
    this.#refusals[reason] += 1;
    const now = performance.now();
    const last = this.#refusalLog.get(reason);
    if (last !== undefined && now - last.atMs < REFUSAL_LOG_INTERVAL_MS) {
      last.suppressed += 1;
      return;
    }
    this.#refusalLog.set(reason, { atMs: now, suppressed: 0 });
    this.#logger.warn(
      {
        endpoint: this.#description,
        reason,
        refused: this.#refusals[reason],
        notLoggedSince: last?.suppressed ?? 0,
        ...fields,
      },
      `${this.#description} ${message} (${reason})`,
    );
  }

  /**
   * Publishes what is pending, then closes the connection. Idempotent.
   *
   * @returns When the connection is closed.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    clearInterval(this.#timer);
    this.#handler = undefined;
    if (this.connected) {
      // Bounded: a server that stopped answering must not hold the close forever.
      await untilAborted(this.#connection.flush(), AbortSignal.timeout(CLOSE_FLUSH_TIMEOUT_MS)).catch(
        () => undefined,
      );
    }
    this.#subscription?.unsubscribe();
    await this.#connection.close().catch(() => undefined);
  }

  #received(message: Msg): void {
    const handler = this.#handler;
    if (handler === undefined) return;
    const decoded = decodeEnvelope(this.key, message.data);
    if (typeof decoded === "string") {
      this.refuse(decoded, { subject: message.subject, bytes: message.data.byteLength }, "refused a message");
      return;
    }
    if (decoded.to !== this.name || decoded.role !== this.role) {
      this.refuse(
        "misaddressed",
        { kind: decoded.kind, from: decoded.from, to: decoded.to, role: decoded.role },
        "refused a message meant for another endpoint",
      );
      return;
    }
    handler.envelope(decoded, message);
  }

  async #watchStatus(handler: EndpointHandler): Promise<void> {
    for await (const status of this.#connection.status()) {
      if (this.#handler === undefined) return;
      switch (status.type) {
        case "disconnect":
        case "staleConnection":
          if (!this.#connected) break;
          this.#connected = false;
          handler.interrupted(`the connection to NATS (${this.#connection.getServer()}) was lost`);
          break;
        case "reconnect":
          this.#connected = true;
          this.#logger.info(
            { endpoint: this.#description, server: status.server },
            `${this.#description} reconnected to NATS`,
          );
          handler.restored();
          break;
        case "slowConsumer":
          // NATS dropped messages for this endpoint: every channel may have a gap.
          handler.interrupted("NATS reported this endpoint a slow consumer");
          if (this.#connected) handler.restored();
          break;
        case "close":
          this.#connected = false;
          handler.interrupted("the connection to NATS closed");
          return;
        default:
          break;
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
