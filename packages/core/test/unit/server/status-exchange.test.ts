// Goal: a member answers a status request sent as the first frame of a channel — its role, phase,
// leader, epoch, zxids and the sessions, connections and watches it serves — and hangs up; it
// answers while still electing too; it refuses a status request on a session's channel, and one
// it cannot answer (shutting down, or a runtime that does not report); and the client's
// queryMemberStatus reports each outcome with its code.
//
// Method: the real CoordinationMember (the session layer every runtime drives) over a runtime of
// this test's own: an ensemble of one that commits every submitted transaction at once and
// reports a status the test sets. Channels are the in-process local channels an embedded session
// uses; the status query dials through a dialer that hands the member its end. (A real one-voter
// CoordinationServer would do too, but an ensemble of one never finishes an election: votes are
// counted as they arrive from peers, and it has none.)

import { afterEach, describe, expect, it } from "vitest";
import { connect } from "../../../src/client/client-session.js";
import { localChannelPair } from "../../../src/client/local-channel.js";
import { queryMemberStatus } from "../../../src/client/query-member-status.js";
import {
  decodeMemberToClient,
  encodeClientToMember,
  SESSION_PASSWORD_BYTES,
} from "../../../src/codec/client-codec.js";
import { PROTOCOL_VERSION } from "../../../src/codec/frame.js";
import { ZabError } from "../../../src/errors.js";
import type { ClientChannel, ClientDialer } from "../../../src/ports/client-channel.js";
import { systemClock } from "../../../src/ports/clock.js";
import { epoch, serverId, sessionId } from "../../../src/protocol/ids.js";
import type { ProposeResult } from "../../../src/protocol/zab-node.js";
import { ZXID_ZERO, type Zxid, zxid } from "../../../src/protocol/zxid.js";
import { CoordinationMember, type ZabRuntimeView } from "../../../src/server/coordination-member.js";
import type { ZabServerStatus } from "../../../src/server/zab-server.js";

const self = serverId(1);

/** A runtime that leads an ensemble of one: whatever is submitted commits and applies at once. */
class InstantRuntime implements ZabRuntimeView {
  status: () => Pick<ZabServerStatus, "role" | "phase">;
  #lastZxid: Zxid = ZXID_ZERO;
  #phase: ZabServerStatus["phase"] = "broadcast";
  #role: ZabServerStatus["role"] = "leading";

  constructor(private readonly member: CoordinationMember) {
    this.status = () => ({ role: this.#role, phase: this.#phase });
  }

  /** Makes the member look for a leader, as after losing its quorum. */
  startElection(): void {
    this.#role = "looking";
    this.#phase = "election";
    this.member.hooks.transition({
      role: "looking",
      phase: "election",
      leader: undefined,
      epoch: undefined,
      reason: "the test starts an election",
    });
  }

  submit(payload: Uint8Array): ProposeResult {
    const txn = { zxid: zxid(epoch(1), Number(this.#lastZxid & 0xffff_ffffn) + 1), payload };
    this.#lastZxid = txn.zxid;
    const result = this.member.stateMachine.apply(txn);
    // Applied on a later turn, as a real runtime reports it after the write is durable.
    setImmediate(() => this.member.hooks.applied([{ txn, result }]));
    return { kind: "proposed", zxid: txn.zxid };
  }

  touchSessions(): void {}

  serverStatus(): ZabServerStatus {
    const looking = this.#role === "looking";
    return {
      id: self,
      role: this.#role,
      phase: this.#phase,
      leader: looking ? undefined : self,
      epoch: looking ? undefined : epoch(1),
      lastLoggedZxid: this.#lastZxid,
      committedZxid: this.#lastZxid,
      appliedZxid: this.#lastZxid,
      digestChecks: { checked: 0, mismatched: 0, skipped: 0 },
    };
  }
}

/** A member on an {@link InstantRuntime}, with a dialer that reaches it. */
function startMember(): { member: CoordinationMember; runtime: InstantRuntime; dialer: ClientDialer } {
  const member = new CoordinationMember({ id: self, clock: systemClock });
  const runtime = new InstantRuntime(member);
  member.bind(runtime);
  const dialer: ClientDialer = {
    dial: async () => {
      const [client, server] = localChannelPair();
      member.accept(server);
      return client;
    },
  };
  return { member, runtime, dialer };
}

async function until(probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the member");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Frames the member sends on a raw channel, and whether it hung up. */
function record(channel: ClientChannel): { frames: Uint8Array[]; closed: boolean } {
  const seen = { frames: [] as Uint8Array[], closed: false };
  channel.listen({
    frame: (frame) => seen.frames.push(frame),
    closed: () => {
      seen.closed = true;
    },
  });
  return seen;
}

let running: CoordinationMember | undefined;

afterEach(() => {
  running?.close();
  running = undefined;
});

describe("the status exchange", () => {
  it("reports the member's status, counting the sessions, connections and watches it serves", async () => {
    const { member, runtime, dialer } = startMember();
    running = member;
    await using session = await connect({ dialer, members: [self] });
    await session.create("/a");
    const stream = session.watch("/", { recursive: true });
    await session.sync();

    const status = await queryMemberStatus({ dialer, member: self, signal: AbortSignal.timeout(5_000) });

    const server = runtime.serverStatus();
    expect(server.lastLoggedZxid).not.toBe(ZXID_ZERO);
    expect(status).toStrictEqual({
      serverId: self,
      role: "leading",
      phase: "broadcast",
      leader: self,
      epoch: epoch(1),
      lastLoggedZxid: server.lastLoggedZxid,
      committedZxid: server.committedZxid,
      appliedZxid: server.appliedZxid,
      sessions: 1,
      connections: 1,
      watches: 1,
      digest: member.digest(),
    });
    // The digest is the tree's: it moves with a write.
    await session.setData("/a", new Uint8Array([1]));
    const after = await queryMemberStatus({ dialer, member: self, signal: AbortSignal.timeout(5_000) });
    expect(after.digest).toBe(member.digest());
    expect(after.digest).not.toBe(status.digest);
    await stream.return();
  });

  it("answers while the member is looking for a leader", async () => {
    const { member, runtime, dialer } = startMember();
    running = member;
    runtime.startElection();
    const status = await queryMemberStatus({ dialer, member: self, signal: AbortSignal.timeout(5_000) });
    expect(status).toMatchObject({ role: "looking", phase: "election", leader: undefined, epoch: undefined });
  });

  it("hangs up after the one answer", async () => {
    const { member } = startMember();
    running = member;
    const [client, server] = localChannelPair();
    member.accept(server);
    const seen = record(client);
    client.send(encodeClientToMember({ kind: "statusRequest" }));
    await until(() => seen.closed);
    expect(seen.frames).toHaveLength(1);
  });

  it("closes a session's channel that sends a status request", async () => {
    const { member } = startMember();
    running = member;
    const [client, server] = localChannelPair();
    member.accept(server);
    const seen = record(client);
    client.send(
      encodeClientToMember({
        kind: "connectRequest",
        protocolVersion: PROTOCOL_VERSION,
        lastZxidSeen: ZXID_ZERO,
        sessionTimeoutMs: 10_000,
        sessionId: sessionId(0n),
        sessionPassword: new Uint8Array(SESSION_PASSWORD_BYTES),
      }),
    );
    await until(() => seen.frames.length === 1);
    expect(decodeMemberToClient(seen.frames[0] ?? new Uint8Array()).kind).toBe("connectResponse");
    client.send(encodeClientToMember({ kind: "statusRequest" }));
    await until(() => seen.closed);
    expect(seen.frames).toHaveLength(1);
  });

  it("reports ConnectionLoss from a member that is shutting down", async () => {
    const { member, dialer } = startMember();
    member.close();
    const query = queryMemberStatus({ dialer, member: self, signal: AbortSignal.timeout(5_000) });
    await expect(query).rejects.toSatisfy((error) => ZabError.isInstance(error, "ConnectionLoss"));
  });

  it("reports ConnectionLoss from a member whose runtime does not report its status", async () => {
    const member = new CoordinationMember({ id: self, clock: systemClock });
    running = member;
    const runtime = new InstantRuntime(member);
    // Everything but serverStatus, as the simulator's runtime offers.
    member.bind({
      status: runtime.status,
      submit: (payload) => runtime.submit(payload),
      touchSessions: () => {},
    });
    const [client, server] = localChannelPair();
    member.accept(server);
    const query = queryMemberStatus({
      dialer: { dial: async () => client },
      member: self,
      signal: AbortSignal.timeout(5_000),
    });
    await expect(query).rejects.toSatisfy((error) => ZabError.isInstance(error, "ConnectionLoss"));
  });

  it("gives up with the signal's reason", async () => {
    // A member that takes the channel and never answers.
    const silent: ClientDialer = { dial: async () => localChannelPair()[0] };
    const reason = new ZabError("Timeout", "no answer in time");
    const controller = new AbortController();
    const query = queryMemberStatus({ dialer: silent, member: self, signal: controller.signal });
    controller.abort(reason);
    await expect(query).rejects.toBe(reason);
  });
});
