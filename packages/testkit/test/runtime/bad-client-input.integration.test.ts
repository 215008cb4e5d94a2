// Goal: bad input from a client gets a clear, typed answer or a closed channel, and changes
// nothing: undecodable bytes, a request before the handshake, a bad path, data over the limit,
// a check outside a multi, and a session that was closed trying to come back.
// Method: three real members; a raw client speaks the wire protocol by hand, while the tree's
// digest on every member shows that nothing changed and other sessions keep working.
import {
  connect,
  encodeClientToMember,
  type ServerId,
  sessionId,
  TREE_LIMITS_DEFAULT,
  ZXID_ZERO,
} from "@zab/core";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryClientNetwork } from "../../src/transport/memory-client-network.js";
import { MemoryNetwork } from "../../src/transport/memory-network.js";
import { RawClient, startMember, until, voters } from "./helpers.js";

const [m1, m2, m3] = voters as readonly [ServerId, ServerId, ServerId];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function ensemble() {
  const network = new MemoryNetwork();
  const clients = new MemoryClientNetwork();
  const members = await Promise.all(voters.map((id) => startMember(id, { network, clients })));
  closers.push(async () => {
    await Promise.all(members.map((member) => member.close()));
  });
  await until(() => (members.every((member) => member.status.phase === "broadcast") ? true : undefined));
  const digests = () => new Set(members.map((member) => member.digest()));
  return { members, clients, digests };
}

describe("bad input from a client", () => {
  it("closes the channel on undecodable bytes or a request before the handshake, and nothing changes", async () => {
    const { clients, digests } = await ensemble();
    const before = [...digests()];
    const garbage = await RawClient.dial(clients.dialer(), m1);
    garbage.sendBytes(new Uint8Array([0xff, 0x00, 0x13, 0x37]));
    await until(() => (garbage.closed ? true : undefined));
    const early = await RawClient.dial(clients.dialer(), m2);
    early.send({
      kind: "request",
      xid: 1,
      op: "create",
      path: "/early",
      data: new Uint8Array(),
      mode: "persistent",
      ttlMs: 0,
    });
    await until(() => (early.closed ? true : undefined));
    expect([...digests()]).toEqual(before);
    // Other clients are unaffected.
    await using client = await connect({ dialer: clients.dialer(), members: [...voters] });
    await expect(client.exists("/early")).resolves.toMatchObject({ stat: undefined });
  });

  it("answers a bad path, oversize data and a lone check with typed errors, and changes nothing", async () => {
    const { clients, digests } = await ensemble();
    const raw = await RawClient.open(clients.dialer(), m1);
    const before = [...digests()];
    raw.send({
      kind: "request",
      xid: 1,
      op: "create",
      path: "/a//b",
      data: new Uint8Array(),
      mode: "persistent",
      ttlMs: 0,
    });
    raw.send({
      kind: "request",
      xid: 2,
      op: "create",
      path: "/big",
      data: new Uint8Array(TREE_LIMITS_DEFAULT.nodeDataBytesMax + 1),
      mode: "persistent",
      ttlMs: 0,
    });
    raw.sendBytes(encodeClientToMember({ kind: "request", xid: 3, op: "sync", path: "/" }));
    const replies = await raw.take(3);
    expect(
      replies.map((reply) => (reply.kind === "reply" && reply.op === "error" ? reply.code : reply.kind)),
    ).toEqual(["Invalid", "Invalid", "reply"]);
    expect([...digests()].length).toBe(1);
    // The sync was a no-op transaction: the digest of the data did not move.
    expect([...digests()]).toEqual(before);
    raw.close();
  });

  it("refuses a closed session that tries to come back, with a zero timeout", async () => {
    const { clients } = await ensemble();
    const session = await connect({ dialer: clients.dialer(), members: [...voters] });
    const id = session.sessionId;
    await session.close();
    const raw = await RawClient.dial(clients.dialer(), m3);
    raw.send({
      kind: "connectRequest",
      protocolVersion: 1,
      lastZxidSeen: ZXID_ZERO,
      sessionTimeoutMs: 10_000,
      sessionId: sessionId(id),
      sessionPassword: new Uint8Array(16),
    });
    const [response] = await raw.take(1);
    expect(response).toMatchObject({ kind: "connectResponse", sessionTimeoutMs: 0 });
    await until(() => (raw.closed ? true : undefined));
  });
});
