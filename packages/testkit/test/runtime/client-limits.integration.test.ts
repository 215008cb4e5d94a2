// Goal: the member's per-client limits hold and say so: a connection past its watch limit gets
// Throttled and no watch; a new session past sessionsMax is refused (and logged) while existing
// ones keep working; a client that pipelines requests without waiting is cut off, and the member
// keeps serving everyone else.
// Method: three real members with tiny limits on the in-process networks; real clients and a raw
// wire client; the tree's digest shows what changed.
import { type CoordinationServerOptions, connect, type Logger, type ServerId, ZabError } from "@zab/core";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryClientNetwork } from "../../src/transport/memory-client-network.js";
import { MemoryNetwork } from "../../src/transport/memory-network.js";
import { RawClient, startMember, until, voters } from "./helpers.js";

const [m1] = voters as readonly [ServerId, ServerId, ServerId];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A logger that keeps the warnings. */
function warningLog(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => undefined;
  return {
    warnings,
    logger: {
      debug: ignore,
      info: ignore,
      error: ignore,
      warn: (_fields, message) => warnings.push(message),
    },
  };
}

async function ensemble(options: Partial<CoordinationServerOptions>) {
  const network = new MemoryNetwork();
  const clients = new MemoryClientNetwork();
  const members = await Promise.all(voters.map((id) => startMember(id, { network, clients }, options)));
  closers.push(async () => {
    await Promise.all(members.map((member) => member.close()));
  });
  await until(() => (members.every((member) => member.status.phase === "broadcast") ? true : undefined));
  return { members, clients };
}

describe("limits on what one client may hold", () => {
  it("throttles a connection past watchesPerConnectionMax, and sets nothing", async () => {
    const { clients } = await ensemble({ watchesPerConnectionMax: 3 });
    await using session = await connect({ dialer: clients.dialer(), members: [m1] });
    for (const path of ["/a", "/b", "/c", "/d"]) await session.create(path);
    await session.getData("/a", { watch: true });
    await session.exists("/b", { watch: true });
    await session.getChildren("/c", { watch: true });
    // Setting a watch it already holds is free.
    await expect(session.getData("/a", { watch: true })).resolves.toBeDefined();
    const refused = session.getData("/d", { watch: true });
    await expect(refused).rejects.toSatisfy((error) => ZabError.isInstance(error, "Throttled"));
    const stream = session.watch("/", { recursive: true });
    const iterator = stream[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toSatisfy((error) => ZabError.isInstance(error, "Throttled"));
    // Nothing was set on /d: changing it notifies nobody, while /a's watch still fires.
    const fired = await session.getData("/a", { watch: true });
    await session.setData("/d", new TextEncoder().encode("x"));
    await session.setData("/a", new TextEncoder().encode("x"));
    await expect(fired.watch).resolves.toMatchObject({ type: "nodeDataChanged", path: "/a" });
    // A fired one-shot watch frees its place.
    await expect(session.getData("/d", { watch: true })).resolves.toBeDefined();
  });

  it("refuses new sessions past sessionsMax and logs why, while open ones keep working", async () => {
    const { logger, warnings } = warningLog();
    const { clients } = await ensemble({ sessionsMax: 2, logger });
    const dialer = clients.dialer();
    await using first = await connect({ dialer, members: voters });
    await using second = await connect({ dialer, members: voters });
    await expect(connect({ dialer, members: voters, sessionTimeoutMs: 1_000 })).rejects.toSatisfy((error) =>
      ZabError.isInstance(error, "ConnectionLoss"),
    );
    expect(warnings.some((warning) => warning.includes("sessionsMax"))).toBe(true);
    await first.create("/still-works");
    await expect(second.exists("/still-works")).resolves.toMatchObject({ stat: expect.anything() });
    await first.close();
    await using third = await connect({ dialer, members: voters });
    expect(third.state).toBe("connected");
  });

  it("cuts off a client that pipelines past queuedRequestsPerConnectionMax; others are served", async () => {
    const { logger, warnings } = warningLog();
    const { clients } = await ensemble({ queuedRequestsPerConnectionMax: 5, logger });
    const raw = await RawClient.open(clients.dialer(), m1);
    // A write first: every read behind it waits in line until it is applied.
    raw.send({
      kind: "request",
      xid: 1,
      op: "create",
      path: "/w",
      data: new Uint8Array(),
      mode: "persistent",
      ttlMs: 0,
    });
    for (let xid = 2; xid <= 20; xid += 1)
      raw.send({ kind: "request", xid, op: "getData", path: "/", watch: false });
    await until(() => (raw.closed ? true : undefined));
    expect(warnings.some((warning) => warning.includes("queuedRequestsPerConnectionMax"))).toBe(true);
    await using other = await connect({ dialer: clients.dialer(), members: [m1] });
    await expect(other.getChildren("/")).resolves.toBeDefined();
  });

  it("rejects limits that are not positive integers", async () => {
    for (const bad of [0, -1, 1.5]) {
      await expect(ensemble({ watchesPerConnectionMax: bad })).rejects.toSatisfy((error) =>
        ZabError.isInstance(error, "Invalid"),
      );
    }
  });
});
