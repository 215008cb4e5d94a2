/**
 * The two sides of the connection handshake: the dialer's and the acceptor's.
 *
 * The acceptor checks, in order: the role (a client on the peer port is refused), that it is the
 * member the dialer meant, that the dialer's claimed id is a member (peers), that the dialer's
 * certificate names that id (TLS), and that the dialer's proof is right (secret). The dialer
 * checks that the member it reached is the one it meant: by certificate under TLS before saying
 * anything, by the CHALLENGE's id, and with a secret by the acceptor's proof in RESULT, before a
 * frame flows.
 *
 * @module
 */
import { randomBytes, type X509Certificate } from "node:crypto";
import type { TLSSocket } from "node:tls";
import { type ServerId, ZabError } from "@zab/core";
import type { Connection } from "./connection.js";
import {
  decodeChallenge,
  decodeHello,
  decodeProof,
  decodeResult,
  encodeChallenge,
  encodeHello,
  encodeProof,
  encodeResult,
  type HandshakeOutcome,
  type HandshakeRole,
  NONCE_BYTES,
} from "./handshake-messages.js";
import { computeProof, type Transcript, verifyProof } from "./handshake-proof.js";
import type { Security } from "./tcp-security.js";

/**
 * Why a handshake did not complete.
 *
 * - `refused`: the other end failed a check (identity, membership, secret) — worth a warning.
 * - `malformed`: the other end sent bytes that are not the handshake — worth a warning.
 * - `timeout`: the handshake did not complete in time.
 * - `lost`: the connection closed before the handshake completed.
 *
 * @since 0.1.0
 * @internal
 */
export class HandshakeError extends Error {
  /** The kind of failure. */
  readonly kind: "refused" | "malformed" | "timeout" | "lost";

  /**
   * @param kind - The kind of failure.
   * @param message - What happened, for the log.
   * @param options - The cause.
   */
  constructor(kind: HandshakeError["kind"], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HandshakeError";
    this.kind = kind;
  }

  /**
   * Turns whatever a handshake threw into a {@link HandshakeError}.
   *
   * @param error - The error thrown, or the reason of the signal that fired.
   * @returns The classified error.
   */
  static from(error: unknown): HandshakeError {
    if (error instanceof HandshakeError) return error;
    if (ZabError.isInstance(error, "BadFrame"))
      return new HandshakeError("malformed", error.message, { cause: error });
    if (error instanceof Error && error.name === "TimeoutError") {
      return new HandshakeError("timeout", "the handshake timed out", { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    return new HandshakeError("lost", message, { cause: error });
  }
}

/**
 * What both sides of a handshake need.
 *
 * @since 0.1.0
 * @internal
 */
export interface HandshakeSettings {
  /** Peer channel or client channel. */
  readonly role: HandshakeRole;
  /** How to authenticate. */
  readonly security: Security;
  /** Gives up (destroying the connection) when it fires: the handshake timeout, and more. */
  readonly signal: AbortSignal;
}

/**
 * Runs the dialer's side of the handshake.
 *
 * @param connection - A fresh connection.
 * @param settings - The role, security and signal; `self` is the dialing member's id, 0 for a
 *   client; `target` the member meant.
 * @returns The acceptor's decision, proven to come from the member meant (except `"refused"`,
 *   which carries no proof); on `"accepted"` the connection is the channel.
 * @throws {@link HandshakeError} when the handshake fails.
 * @since 0.1.0
 * @internal
 */
export async function dialHandshake(
  connection: Connection,
  settings: HandshakeSettings & { readonly self: number; readonly target: ServerId },
): Promise<HandshakeOutcome> {
  const { role, security, signal, self, target } = settings;
  try {
    if (security.kind === "tls") {
      const owner = certificateOwner(connection, security.memberIdOf);
      if (owner !== target) {
        throw new HandshakeError(
          "refused",
          `the endpoint holds the certificate of ${describeMember(owner)}, not of member ${target}`,
        );
      }
    }
    const dialerNonce = randomBytes(NONCE_BYTES);
    connection.sendMessage(encodeHello({ role, dialerId: self, acceptorId: target, nonce: dialerNonce }));
    const answer = await connection.readMessage(signal);
    // An acceptor that refuses the HELLO answers with RESULT in place of CHALLENGE.
    if (isRefusal(answer)) return "refused";
    const challenge = decodeChallenge(answer);
    if (challenge.acceptorId !== target) {
      throw new HandshakeError(
        "refused",
        `the endpoint is member ${challenge.acceptorId}, not member ${target}`,
      );
    }
    const transcript: Transcript = {
      role,
      dialerId: self,
      acceptorId: target,
      dialerNonce,
      acceptorNonce: challenge.nonce,
    };
    const proof = security.kind === "secret" ? computeProof(security.key, "dialer", transcript) : EMPTY_PROOF;
    connection.sendMessage(encodeProof(proof));
    const result = decodeResult(await connection.readMessage(signal));
    if (result.outcome === "refused") return "refused";
    if (security.kind === "secret") {
      if (!verifyProof(security.key, "acceptor", transcript, result.proof)) {
        throw new HandshakeError("refused", "the endpoint did not prove it knows the shared secret");
      }
    } else if (result.proof.byteLength > 0) {
      throw new HandshakeError("refused", "the endpoint uses a shared secret and this one does not");
    }
    return result.outcome;
  } catch (error) {
    connection.destroy();
    throw HandshakeError.from(error);
  }
}

/**
 * An incoming handshake that passed every check, waiting for the acceptor's decision.
 *
 * @since 0.1.0
 * @internal
 */
export interface AcceptedHandshake {
  /** The dialer's id, proven (0 for a client). */
  readonly dialerId: number;
  /**
   * Sends the decision (with the acceptor's proof, under a secret). On `"accepted"` frames may
   * follow at once; otherwise the connection is closed.
   *
   * @param outcome - The decision.
   */
  answer(outcome: Exclude<HandshakeOutcome, "refused">): void;
}

/**
 * Runs the acceptor's side of the handshake, up to (not including) the decision.
 *
 * @remarks
 * On success the caller decides at once, in the same synchronous step, and answers; on failure
 * the connection is closed (after a RESULT of `refused` when the dialer failed a check).
 * @param connection - A fresh incoming connection.
 * @param settings - The role, security and signal; `self` is this member's id; `isMember` tells
 *   which ids may open peer channels.
 * @returns The proven dialer, to answer.
 * @throws {@link HandshakeError} when the handshake fails.
 * @since 0.1.0
 * @internal
 */
export async function acceptHandshake(
  connection: Connection,
  settings: HandshakeSettings & { readonly self: ServerId; readonly isMember: (id: number) => boolean },
): Promise<AcceptedHandshake> {
  const { role, security, signal, self } = settings;
  try {
    const hello = decodeHello(await connection.readMessage(signal));
    if (hello.role !== role) refuse(connection, `a ${hello.role} connected to the ${role} port`);
    if (hello.acceptorId !== self) {
      refuse(connection, `it meant to reach member ${hello.acceptorId}, but this is member ${self}`);
    }
    if (role === "peer") {
      if (hello.dialerId === self || !settings.isMember(hello.dialerId)) {
        refuse(
          connection,
          `it claims member id ${hello.dialerId}, which is not another member of the ensemble`,
        );
      }
      if (security.kind === "tls") {
        const owner = certificateOwner(connection, security.memberIdOf);
        if (owner !== hello.dialerId) {
          refuse(
            connection,
            `it claims member ${hello.dialerId} but its certificate belongs to ${describeMember(owner)}`,
          );
        }
      }
    } else if (hello.dialerId !== 0) {
      refuse(connection, `a client claims member id ${hello.dialerId}`);
    }
    const acceptorNonce = randomBytes(NONCE_BYTES);
    connection.sendMessage(encodeChallenge({ acceptorId: self, nonce: acceptorNonce }));
    const dialerProof = decodeProof(await connection.readMessage(signal));
    const transcript: Transcript = {
      role,
      dialerId: hello.dialerId,
      acceptorId: self,
      dialerNonce: hello.nonce,
      acceptorNonce,
    };
    if (security.kind === "secret") {
      if (!verifyProof(security.key, "dialer", transcript, dialerProof)) {
        refuse(
          connection,
          `it claims ${describeDialer(hello.dialerId)} but did not prove it knows the shared secret`,
        );
      }
    } else if (dialerProof.byteLength > 0) {
      refuse(connection, "it uses a shared secret and this endpoint does not");
    }
    return {
      dialerId: hello.dialerId,
      answer: (outcome) => {
        const proof =
          security.kind === "secret" ? computeProof(security.key, "acceptor", transcript) : EMPTY_PROOF;
        connection.sendMessage(encodeResult({ outcome, proof }));
        if (outcome !== "accepted") connection.close();
      },
    };
  } catch (error) {
    // A refusal already closed the connection gracefully, so that its RESULT gets out.
    if (!connection.finished) connection.destroy();
    throw HandshakeError.from(error);
  }
}

const EMPTY_PROOF = new Uint8Array(0);

function isRefusal(message: Uint8Array): boolean {
  try {
    return decodeResult(message).outcome === "refused";
  } catch {
    // Not a RESULT: the CHALLENGE decoder says what is wrong with it.
    return false;
  }
}

/** Tells the dialer it was refused, closes, and throws. */
function refuse(connection: Connection, reason: string): never {
  connection.sendMessage(encodeResult({ outcome: "refused", proof: EMPTY_PROOF }));
  connection.close();
  throw new HandshakeError("refused", reason);
}

function certificateOwner(
  connection: Connection,
  memberIdOf: (certificate: X509Certificate) => ServerId | undefined,
): ServerId | undefined {
  // The TLS layer already verified the chain against the CA (rejectUnauthorized); what remains
  // is whose certificate it is.
  const certificate = (connection.socket as TLSSocket).getPeerX509Certificate();
  return certificate === undefined ? undefined : memberIdOf(certificate);
}

function describeMember(id: ServerId | undefined): string {
  return id === undefined ? "no member" : `member ${id}`;
}

function describeDialer(id: number): string {
  return id === 0 ? "to be a client" : `member id ${id}`;
}
