/**
 * A hand-made endpoint speaking the transport's handshake byte by byte, for tests that need to
 * misbehave after (or during) an honest-looking handshake: never read, claim another id, send a
 * lying length prefix.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { FrameDecoder, lengthPrefix } from "../../src/frame-decoder.js";
import {
  decodeChallenge,
  decodeResult,
  encodeHello,
  encodeProof,
  HANDSHAKE_BYTES_MAX,
  type HandshakeOutcome,
  type HandshakeRole,
  NONCE_BYTES,
} from "../../src/handshake-messages.js";
import { computeProof } from "../../src/handshake-proof.js";
import type { MemberAddress } from "../../src/index.js";

/** Who the raw endpoint claims to be and how it authenticates. */
export interface RawHandshakeOptions {
  readonly address: MemberAddress;
  readonly role: HandshakeRole;
  readonly dialerId: number;
  readonly acceptorId: number;
  /** The secret it believes in; omitted under TLS or insecure. */
  readonly secret?: string;
  /** A certificate to present (TLS). */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string };
}

/** The raw endpoint after its handshake. */
export interface RawHandshakeResult {
  readonly socket: Socket;
  readonly outcome: HandshakeOutcome | "closed";
}

/** Opens a TCP (or TLS) connection. */
export function rawConnect(
  address: MemberAddress,
  tls?: { readonly cert: string; readonly key: string; readonly ca: string },
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      tls === undefined
        ? netConnect({ host: address.host, port: address.port })
        : tlsConnect({
            host: address.host,
            port: address.port,
            ...tls,
            checkServerIdentity: () => undefined,
          });
    socket.once(tls === undefined ? "connect" : "secureConnect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Resolves when the socket has closed. */
export function closedPromise(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) {
      resolve();
      return;
    }
    socket.on("error", () => {});
    socket.once("close", () => resolve());
    socket.resume();
  });
}

/** Writes one length-prefixed message. */
export function writeFrame(socket: Socket, bytes: Uint8Array): void {
  socket.write(lengthPrefix(bytes.byteLength));
  socket.write(bytes);
}

/**
 * Runs the dialer's side of the handshake by hand.
 *
 * @returns The socket, paused right after RESULT (nothing more is read from it), and the outcome
 *   (`"closed"` when the acceptor closed instead of answering).
 */
export async function rawHandshake(options: RawHandshakeOptions): Promise<RawHandshakeResult> {
  const socket = await rawConnect(options.address, options.tls);
  socket.on("error", () => {});
  const decoder = new FrameDecoder();
  const messages: Uint8Array[] = [];
  let waiting: (() => void) | undefined;
  let closed = false;
  socket.on("data", (chunk: Buffer) => {
    decoder.push(chunk);
    try {
      for (
        let message = decoder.next(HANDSHAKE_BYTES_MAX);
        message;
        message = decoder.next(HANDSHAKE_BYTES_MAX)
      ) {
        messages.push(message);
      }
    } catch {
      // Frames larger than a handshake message follow an accepted RESULT; they are not read here.
    }
    if (messages.length > 0) socket.pause();
    waiting?.();
  });
  socket.on("close", () => {
    closed = true;
    waiting?.();
  });
  const next = async (): Promise<Uint8Array | undefined> => {
    while (messages.length === 0 && !closed) {
      socket.resume();
      await new Promise<void>((resolve) => {
        waiting = resolve;
      });
      waiting = undefined;
    }
    return messages.shift();
  };
  const dialerNonce = randomBytes(NONCE_BYTES);
  writeFrame(
    socket,
    encodeHello({
      role: options.role,
      dialerId: options.dialerId,
      acceptorId: options.acceptorId,
      nonce: dialerNonce,
    }),
  );
  const challengeBytes = await next();
  if (challengeBytes === undefined) return { socket, outcome: "closed" };
  let challenge: ReturnType<typeof decodeChallenge>;
  try {
    challenge = decodeChallenge(challengeBytes);
  } catch {
    // A RESULT (refused) in place of the CHALLENGE.
    return { socket, outcome: decodeResult(challengeBytes).outcome };
  }
  const proof =
    options.secret === undefined
      ? new Uint8Array(0)
      : computeProof(new TextEncoder().encode(options.secret), "dialer", {
          role: options.role,
          dialerId: options.dialerId,
          acceptorId: options.acceptorId,
          dialerNonce,
          acceptorNonce: challenge.nonce,
        });
  writeFrame(socket, encodeProof(proof));
  const result = await next();
  socket.pause();
  socket.removeAllListeners("data");
  if (result === undefined) return { socket, outcome: "closed" };
  return { socket, outcome: decodeResult(result).outcome };
}
