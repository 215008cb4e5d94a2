// Goal: a CoordinationServer that refuses its own settings releases what it was given — the
// storage's directory lock and the transport — before rejecting, as it does for failures further
// into start-up, so a caller (such as `zab serve`) never has to work out who owns what.
//
// Method: start one on memory storage with a session-layer setting out of range, then check that
// the transport was disposed and that the same data directory opens again (a held lock would
// refuse it with "Locked").

import { describe, expect, it } from "vitest";
import { ZabError } from "../../../src/errors.js";
import type { PeerTransport } from "../../../src/ports/peer-transport.js";
import { serverId } from "../../../src/protocol/ids.js";
import { CoordinationServer } from "../../../src/server/coordination-server.js";
import { MemoryDataDir } from "../../../src/storage/memory-data-dir.js";
import { openMemoryStorage } from "../../../src/storage/memory-storage.js";

describe("CoordinationServer.start", () => {
  it("closes the transport and the storage when it refuses its settings", async () => {
    let disposed = false;
    const transport: PeerTransport = {
      specificationVersion: 1,
      listen: () => {},
      send: () => {},
      disconnect: () => {},
      [Symbol.asyncDispose]: async () => {
        disposed = true;
      },
    };
    const disk = new MemoryDataDir();
    const start = CoordinationServer.start({
      id: serverId(1),
      voters: [serverId(1), serverId(2), serverId(3)],
      storage: openMemoryStorage(disk),
      transport,
      sessionsMax: 0,
    });
    await expect(start).rejects.toSatisfy((error) => ZabError.isInstance(error, "Invalid"));
    expect(disposed).toBe(true);
    await openMemoryStorage(disk).storage.close();
  });
});
