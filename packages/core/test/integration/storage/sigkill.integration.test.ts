// Goal: nothing reported durable is lost when the process is SIGKILLed in the middle of appending,
// and the log after a kill is always a prefix of what was appended: every zxid the child printed
// after its sync resolved is present, in order, with the exact payload, the zxids are strictly
// increasing and gap-free, and recovery succeeds (taking over the dead child's lock).
// Method: a child process (fixtures/append-until-killed.ts) appends records of varying sizes
// (some 100 kB, across small 256 kB segments) from 8 concurrent appenders; the parent reads its
// "durable <zxid>" lines, SIGKILLs it by PID mid-stream, reopens the directory and checks every
// record. Five kill rounds on the same directory, each continuing the log.

import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { counterOf, type Zxid } from "../../../src/protocol/zxid.js";
import { openFileStorage } from "../../../src/storage/file-storage.js";
import { FixtureProcess } from "../../helpers/child-process.js";
import { payloadFor, tempDir } from "../../helpers/storage.js";

const appendUntilKilled = fileURLToPath(new URL("./fixtures/append-until-killed.ts", import.meta.url));
const SEGMENT_BYTES = 256 * 1024;
const APPENDERS = 8;
const ROUNDS = 5;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

describe("SIGKILL during appends", () => {
  it("loses nothing reported durable, over five kills", { timeout: 60_000 }, async () => {
    await using dir = await tempDir();
    let lastCounter = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const reported: Zxid[] = [];
      let childPid: number;
      {
        await using child = new FixtureProcess(appendUntilKilled, [
          dir.path,
          String(SEGMENT_BYTES),
          String(APPENDERS),
        ]);
        childPid = child.pid;
        await child.waitForLine(/^ready /);
        // Kill at a different depth each round: after 250, 347, 444, ... durable lines.
        const killAfter = 250 + 97 * round;
        while (reported.length < killAfter) {
          const line = await child.readLine();
          if (line === undefined) break;
          const match = /^durable (\d+)$/.exec(line);
          if (match?.[1] !== undefined) reported.push(BigInt(match[1]) as Zxid);
        }
        expect(reported.length, `the child stopped early:\n${child.stderr}`).toBe(killAfter);
        await child.kill();
        // Lines already in the pipe were printed after their sync resolved: they count too.
        for (let line = await child.readLine(); line !== undefined; line = await child.readLine()) {
          const match = /^durable (\d+)$/.exec(line);
          if (match?.[1] !== undefined) reported.push(BigInt(match[1]) as Zxid);
        }
      }

      const { storage, recovery } = await openFileStorage({ dir: dir.path, segmentBytesMax: SEGMENT_BYTES });
      expect(recovery.events).toContainEqual(
        expect.objectContaining({ kind: "lockTakenOver", pid: childPid }),
      );
      const present = new Set<Zxid>();
      let expectedCounter = 1;
      for await (const txn of storage.log.read({ fromExclusive: storage.log.baseZxid() })) {
        // A prefix of what was appended: counters 1, 2, 3, ... with no gap, strictly increasing.
        expect(counterOf(txn.zxid)).toBe(expectedCounter++);
        expect(sameBytes(txn.payload, payloadFor(txn.zxid)), `payload of ${txn.zxid}`).toBe(true);
        present.add(txn.zxid);
      }
      const missing = reported.filter((z) => !present.has(z));
      expect(missing, "zxids reported durable but missing after the kill").toEqual([]);
      expect(expectedCounter - 1).toBeGreaterThanOrEqual(lastCounter);
      lastCounter = expectedCounter - 1;
      expect(recovery.lastLoggedZxid).toBe(storage.log.lastZxid());
      await storage.close();
    }
    expect(lastCounter).toBeGreaterThan(250 * ROUNDS);
  });
});
