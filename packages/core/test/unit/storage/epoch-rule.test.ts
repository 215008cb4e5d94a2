// Goal: the start-up rule for epoch files holds branch by branch: a valid leftover .tmp wins when
// larger (ZOOKEEPER-4269), a torn .tmp is discarded, an unparseable file or a missing file with
// history refuses to start (never a default of 0), a brand-new member starts at 0, and
// acceptedEpoch < currentEpoch refuses; currentEpoch below the log's epoch is not this rule's
// business (ZOOKEEPER-1653).
// Method: call the pure rule with every combination that matters and check values, repairs,
// events and the refusal messages.

import { describe, expect, it } from "vitest";
import { ZabError } from "../../../src/errors.js";
import { type EpochFileContent, parseEpochText, resolveEpochs } from "../../../src/storage/epoch-rule.js";

const file = (text?: string, tmpText?: string): EpochFileContent => ({ text, tmpText });

function resolve(accepted: EpochFileContent, current: EpochFileContent, hasHistory = true) {
  return resolveEpochs({
    acceptedEpoch: accepted,
    currentEpoch: current,
    hasHistory,
    fileOf: (name) => `/d/${name}`,
  });
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(ZabError.isInstance(error, "Corrupt")).toBe(true);
    return (error as Error).message;
  }
  return expect.unreachable("the rule should have refused");
}

describe("epoch text", () => {
  it("parses decimal epochs from 0 to 2^32-1 with an optional newline, and nothing else", () => {
    expect(parseEpochText("0")).toBe(0);
    expect(parseEpochText("7\n")).toBe(7);
    expect(parseEpochText("4294967295")).toBe(4294967295);
    for (const bad of [
      "",
      "\n",
      "4294967296",
      "-1",
      "07",
      "1.5",
      "0x10",
      " 3",
      "3\n\n",
      "abc",
      "12345678901",
    ]) {
      expect(parseEpochText(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});

describe("epoch rule", () => {
  it("uses the files as they are when both parse", () => {
    const result = resolve(file("5\n"), file("4\n"));
    expect(result).toMatchObject({ acceptedEpoch: 5, currentEpoch: 4, repairs: [], events: [] });
  });

  it("(a) takes a larger valid tmp, rewriting the file from it", () => {
    const result = resolve(file("5\n", "6\n"), file("4\n"));
    expect(result.acceptedEpoch).toBe(6);
    expect(result.repairs).toEqual([{ name: "acceptedEpoch", write: 6, removeTmp: false }]);
    expect(result.events).toEqual([
      { kind: "epochTmpApplied", file: "/d/acceptedEpoch", fileValue: 5, tmpValue: 6, value: 6 },
    ]);
  });

  it("(a) keeps the file when a valid tmp is not larger, removing the tmp", () => {
    const result = resolve(file("5\n"), file("4\n", "3\n"));
    expect(result.currentEpoch).toBe(4);
    expect(result.repairs).toEqual([{ name: "currentEpoch", write: undefined, removeTmp: true }]);
  });

  it("(a) uses a valid tmp when the file itself is missing (crash before the first rename)", () => {
    const result = resolve(file(undefined, "2\n"), file("1\n"));
    expect(result.acceptedEpoch).toBe(2);
    expect(result.repairs).toEqual([{ name: "acceptedEpoch", write: 2, removeTmp: false }]);
  });

  it("(a) discards a torn tmp and uses the file", () => {
    const result = resolve(file("5\n", "x7"), file("4\n", ""));
    expect(result).toMatchObject({ acceptedEpoch: 5, currentEpoch: 4 });
    expect(result.repairs).toEqual([
      { name: "acceptedEpoch", write: undefined, removeTmp: true },
      { name: "currentEpoch", write: undefined, removeTmp: true },
    ]);
    expect(result.events).toEqual([
      { kind: "epochTmpDiscarded", file: "/d/acceptedEpoch.tmp" },
      { kind: "epochTmpDiscarded", file: "/d/currentEpoch.tmp" },
    ]);
  });

  it("(b) refuses a file that exists but does not parse, naming it, even with a valid tmp", () => {
    for (const bad of ["", "five", "4294967296", "\u0000\u0000"]) {
      expect(refusal(() => resolve(file(bad), file("0\n")))).toContain("/d/acceptedEpoch");
    }
    expect(refusal(() => resolve(file("3\n"), file("zz", "3\n")))).toContain("/d/currentEpoch");
  });

  it("(c) starts a brand-new member at 0 and writes both files", () => {
    const result = resolve(file(), file(), false);
    expect(result).toMatchObject({ acceptedEpoch: 0, currentEpoch: 0 });
    expect(result.repairs).toEqual([
      { name: "acceptedEpoch", write: 0, removeTmp: false },
      { name: "currentEpoch", write: 0, removeTmp: false },
    ]);
    expect(result.events.map((event) => event.kind)).toEqual(["epochInitialized", "epochInitialized"]);
  });

  it("(c) refuses a missing file when the directory holds history", () => {
    expect(refusal(() => resolve(file("3\n"), file()))).toMatch(/\/d\/currentEpoch is missing/);
    expect(refusal(() => resolve(file(), file("0\n")))).toMatch(/\/d\/acceptedEpoch is missing/);
  });

  it("(d) refuses acceptedEpoch below currentEpoch, also when a tmp makes it so", () => {
    expect(refusal(() => resolve(file("3\n"), file("4\n")))).toMatch(
      /currentEpoch 4 .* above acceptedEpoch 3/,
    );
    expect(refusal(() => resolve(file("3\n"), file("3\n", "5\n")))).toMatch(/above acceptedEpoch/);
  });
});
