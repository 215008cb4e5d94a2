/**
 * The client side of the NATS client transport: dials members by id, through NATS only.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import {
  type ClientChannel,
  type ClientDialer,
  type Logger,
  type ServerId,
  silentLogger,
  untilAborted,
  ZabError,
} from "@zab/core";
import { answersOpening, openingChannelId } from "./channel-id.js";
import { ClientChannelRegistry } from "./client-channel-registry.js";
import { NatsEndpoint, type NatsRefusals } from "./nats-endpoint.js";
import { type NatsEndpointOptions, type ResolvedNatsOptions, resolveNatsOptions } from "./nats-options.js";
import { clientInboxSubject, memberClientSubject } from "./subjects.js";

/**
 * Settings of {@link natsClientDialer}.
 *
 * @since 0.1.0
 */
export type ClientDialerOptions = NatsEndpointOptions;

/**
 * A {@link ClientDialer} over NATS, which reaches members by id: no member addresses.
 *
 * @remarks
 * The dialer connects to NATS at its first dial (and again after {@link NatsClientDialer.close}
 * is not possible: it is closed for good). It listens on a subject of its own,
 * `zab.<cluster>.inbox.<random name>`. A dial to a member nobody serves fails at once with
 * `"ConnectionLoss"` (NATS answers "no responders"); a lost NATS connection breaks every channel,
 * and core's client dials again.
 * @since 0.1.0
 */
export interface NatsClientDialer extends ClientDialer, AsyncDisposable {
  /** Messages refused so far, by reason (all zero before the first dial). */
  readonly refusals: NatsRefusals;
  /**
   * Closes every channel (telling the members) and the NATS connection. Idempotent.
   *
   * @returns When the connection is closed.
   */
  close(): Promise<void>;
}

/**
 * A dialer for clients of an ensemble on NATS.
 *
 * @param options - NATS servers and credentials, cluster, secret, limits.
 * @returns The dialer; it connects at its first dial.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for bad options.
 * @example
 * ```ts
 * import { connect, serverId } from "@zab/core";
 * import { natsClientDialer } from "@zab/transport-nats";
 *
 * await using dialer = natsClientDialer({ servers: "nats://127.0.0.1:4222", cluster: "demo", secret: "s3cret" });
 * await using session = await connect({ dialer, members: [serverId(1), serverId(2), serverId(3)] });
 * ```
 * @since 0.1.0
 */
export function natsClientDialer(options: ClientDialerOptions): NatsClientDialer {
  return new NatsDialer(resolveNatsOptions(options), options.logger ?? silentLogger);
}

interface Connected {
  readonly endpoint: NatsEndpoint;
  readonly registry: ClientChannelRegistry;
}

class NatsDialer implements NatsClientDialer {
  readonly #options: ResolvedNatsOptions;
  readonly #logger: Logger;
  readonly #name = randomBytes(12).toString("hex");
  #connecting: Promise<Connected> | undefined;
  #connected: Connected | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: ResolvedNatsOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
  }

  get refusals(): NatsRefusals {
    return this.#connected?.endpoint.refusals ?? { malformed: 0, forged: 0, misaddressed: 0, replayed: 0 };
  }

  async dial(member: ServerId, options: { readonly signal?: AbortSignal } = {}): Promise<ClientChannel> {
    const { signal } = options;
    if (isAborted(signal)) throw aborted(member, signal?.reason);
    if (this.#closing !== undefined) throw new ZabError("ConnectionLoss", "the dialer is closed");
    let connected: Connected;
    try {
      connected = await untilAborted(this.#connect(), signal);
    } catch (error) {
      if (isAborted(signal)) throw aborted(member, error);
      throw error;
    }
    const { endpoint, registry } = connected;
    const opening = openingChannelId();
    const subject = memberClientSubject(this.#options.cluster, member);
    const request = endpoint.request(subject, {
      kind: "open",
      role: "client",
      flags: 0,
      channelId: opening,
      seq: 0,
      from: this.#name,
      to: String(member),
      body: new Uint8Array(0),
    });
    let answer: Awaited<typeof request>;
    try {
      answer = await untilAborted(request, signal);
    } catch (error) {
      // The member's accept, if it comes, waits for a confirm that never comes, and expires.
      throw aborted(member, error);
    }
    if (typeof answer === "string") {
      throw new ZabError(
        "ConnectionLoss",
        `cannot reach member ${member} over NATS: ${answer === "noResponders" ? "nobody serves its subject" : answer === "timeout" ? "it did not answer in time" : "the connection to NATS was lost"}`,
      );
    }
    if (
      answer.kind !== "accept" ||
      answer.from !== String(member) ||
      answer.role !== "client" ||
      !answersOpening(opening, answer.channelId)
    ) {
      endpoint.refuse(
        "misaddressed",
        { member, kind: answer.kind },
        "refused an answer that does not answer its open",
      );
      throw new ZabError("ConnectionLoss", `member ${member} answered with something that is not an accept`);
    }
    if (this.#closing !== undefined) throw new ZabError("ConnectionLoss", "the dialer is closed");
    const id = Uint8Array.from(answer.channelId);
    endpoint.publish(subject, {
      kind: "confirm",
      role: "client",
      flags: 0,
      channelId: id,
      seq: 0,
      from: this.#name,
      to: String(member),
      body: new Uint8Array(0),
    });
    return registry.open({ id, remote: String(member), remoteSubject: subject });
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    const connected = await this.#connecting?.catch(() => undefined);
    if (connected === undefined) return;
    connected.registry.breakAll(true);
    await connected.endpoint.close();
  }

  #connect(): Promise<Connected> {
    this.#connecting ??= this.#open().catch((error: unknown) => {
      // The next dial tries again: NATS may be back by then.
      this.#connecting = undefined;
      throw error;
    });
    return this.#connecting;
  }

  async #open(): Promise<Connected> {
    const endpoint = await NatsEndpoint.connect({
      name: this.#name,
      role: "client",
      options: this.#options,
      logger: this.#logger,
      description: `zab client ${this.#name}`,
    });
    const registry = new ClientChannelRegistry(endpoint, this.#logger);
    let resetNotices: ReturnType<ClientChannelRegistry["breakAll"]> = [];
    endpoint.listen(clientInboxSubject(this.#options.cluster, this.#name), {
      envelope: (envelope) => {
        if (envelope.kind === "open" || envelope.kind === "accept" || envelope.kind === "confirm") {
          this.#endpointRefuse(endpoint, envelope.kind);
          return;
        }
        const member = Number(envelope.from);
        registry.received(
          envelope,
          Number.isSafeInteger(member) && member > 0
            ? memberClientSubject(this.#options.cluster, member)
            : undefined,
        );
      },
      interrupted: () => {
        resetNotices.push(...registry.breakAll(false));
      },
      restored: () => {
        const notices = resetNotices;
        resetNotices = [];
        for (const { subject, remote, id } of notices) registry.reset(subject, remote, id);
      },
      tick: (now) => registry.tick(now),
    });
    // Members answer on the inbox: it must be subscribed before the first open.
    await endpoint.subscribed();
    this.#connected = { endpoint, registry };
    return this.#connected;
  }

  #endpointRefuse(endpoint: NatsEndpoint, kind: string): void {
    endpoint.refuse("misaddressed", { kind }, "refused a handshake message on a client's inbox");
  }
}

function aborted(member: ServerId, cause: unknown): ZabError {
  return new ZabError("Aborted", `the dial to member ${member} was aborted`, { cause });
}

/** Read through a call, so a check after an await is not narrowed by one before it. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
