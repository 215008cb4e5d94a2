// Goal: start-up joins the newest valid snapshot to the log only when the log holds every record
// after it; a log that starts after the snapshot (or after zxid 0 with no snapshot) refuses to
// start (ZOOKEEPER-2325), and a snapshot beyond the log's end is an interrupted install to finish.
// Method: the pure rule on each case.

import { describe, expect, it } from "vitest";
import { ZabError } from "../../../src/errors.js";
import type { Zxid } from "../../../src/protocol/zxid.js";
import { decideLogStart } from "../../../src/storage/recovery-rule.js";

const decide = (snapshotZxid: bigint | undefined, logBaseZxid: bigint, logLastZxid: bigint) =>
  decideLogStart({
    snapshotZxid: snapshotZxid as Zxid | undefined,
    skipped: [{ zxid: 90n as Zxid, file: "/d/snapshot.x", reason: "checksum mismatch" }],
    logBaseZxid: logBaseZxid as Zxid,
    logLastZxid: logLastZxid as Zxid,
    where: "/d",
  });

describe("log start rule", () => {
  it("replays from the start without a snapshot, and from the snapshot within the log", () => {
    expect(decide(undefined, 0n, 50n)).toEqual({ rebaseTo: undefined });
    expect(decide(30n, 20n, 50n)).toEqual({ rebaseTo: undefined });
    expect(decide(20n, 20n, 20n)).toEqual({ rebaseTo: undefined });
  });

  it("finishes an interrupted snapshot install by rebasing the log onto the snapshot", () => {
    expect(decide(60n, 20n, 50n)).toEqual({ rebaseTo: 60n });
  });

  it("refuses a log that starts after its newest valid snapshot, or after 0 with none, listing skipped ones", () => {
    for (const run of [() => decide(10n, 20n, 50n), () => decide(undefined, 20n, 50n)]) {
      expect(run).toThrow(ZabError);
      expect(run).toThrow(/\/d: .*skipped \/d\/snapshot\.x: checksum mismatch/);
    }
  });
});
