/**
 * The NATS subjects of a cluster: every one under `zab.<cluster>.`.
 *
 * - `zab.<cluster>.peer.<id>`: member `<id>` listens for the other members;
 * - `zab.<cluster>.client.<id>`: member `<id>` listens for clients;
 * - `zab.<cluster>.inbox.<name>`: a client (a dialer) listens for the members it dialed.
 *
 * Keeping the three apart lets NATS subject permissions act as a second wall: clients may be
 * allowed to publish only on `zab.<cluster>.client.*`, members on everything under the cluster.
 *
 * @module
 */
import { ZabError } from "@zab/core";

/** The longest cluster name, in bytes. */
const CLUSTER_BYTES_MAX = 64;

/**
 * Checks a cluster name: one NATS subject token of letters, digits, `-` and `_`.
 *
 * @param cluster - The name.
 * @returns It, checked.
 * @throws {@link @zab/core!ZabError} with code `"Invalid"` for an empty, long or ill-formed name (a
 *   `.`, `*` or `>` would change which subjects it names).
 * @since 0.1.0
 * @internal
 */
export function checkClusterName(cluster: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(cluster) || cluster.length > CLUSTER_BYTES_MAX) {
    throw new ZabError(
      "Invalid",
      `the cluster name ${JSON.stringify(cluster)} must be 1 to ${CLUSTER_BYTES_MAX} letters, digits, "-" or "_"`,
    );
  }
  return cluster;
}

/**
 * The subject member `id` listens on for the other members.
 *
 * @param cluster - The checked cluster name.
 * @param id - The member.
 * @returns The subject.
 * @since 0.1.0
 * @internal
 */
export function peerSubject(cluster: string, id: number): string {
  return `zab.${cluster}.peer.${id}`;
}

/**
 * The subject member `id` listens on for clients.
 *
 * @param cluster - The checked cluster name.
 * @param id - The member.
 * @returns The subject.
 * @since 0.1.0
 * @internal
 */
export function memberClientSubject(cluster: string, id: number): string {
  return `zab.${cluster}.client.${id}`;
}

/**
 * The subject a client listens on for the members it dialed.
 *
 * @param cluster - The checked cluster name.
 * @param name - The client's random name.
 * @returns The subject.
 * @since 0.1.0
 * @internal
 */
export function clientInboxSubject(cluster: string, name: string): string {
  return `zab.${cluster}.inbox.${name}`;
}

/**
 * Whether `subject` is a client inbox of `cluster`: the only subjects a member answers a client
 * on, so a forged handshake cannot make a member publish elsewhere.
 *
 * @param cluster - The checked cluster name.
 * @param subject - What a client's open names.
 * @returns Whether it is one.
 * @since 0.1.0
 * @internal
 */
export function isClientInboxSubject(cluster: string, subject: string): boolean {
  const prefix = `zab.${cluster}.inbox.`;
  return subject.startsWith(prefix) && /^[0-9a-f]{1,64}$/.test(subject.slice(prefix.length));
}
