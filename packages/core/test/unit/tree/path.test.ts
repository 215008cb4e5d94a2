// Goal: znode paths follow ZooKeeper's `PathUtils.validatePath` exactly — the malformed paths of
// research/reliability.md "bad inputs" 16 are refused with ZabError "Invalid" carrying the path,
// and valid ones (non-ASCII text included) pass — with the size limit counted in UTF-8 bytes and
// the sequential suffix; sequence numbers are 10 zero-padded digits and refuse to overflow.
//
// Method: example tables of valid and invalid paths (each invalid one with the reason expected in
// the message), a property that every forbidden code unit is refused wherever it appears, a
// property that parentOf/nodeName split and childPath joins every valid path, and boundary
// examples of the limit and of the sequence counter.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  childPath,
  nodeName,
  parentOf,
  pathProblem,
  SEQUENCE_MAX,
  sequentialPath,
  validatePath,
} from "../../../src/tree/path.js";
import { expectZabError } from "./tree-helpers.js";

const LIMIT = { pathBytesMax: 4096 } as const;

describe("path syntax", () => {
  it.each([
    "/",
    "/a",
    "/a/b/c",
    "/a.b",
    "/...",
    "/.a",
    "/a./b..",
    "/café/日本語",
    "/with space/and-dash_and:colon",
    "/zookeeper",
  ])("accepts %j", (path) => {
    expect(pathProblem(path, false)).toBeUndefined();
    expect(() => validatePath(path, { sequential: false, ...LIMIT })).not.toThrow();
  });

  it.each([
    ["", "is empty"],
    ["no-slash", 'must start with "/"'],
    ["/a/", 'must not end with "/"'],
    ["/a//b", "empty segment at index 3"],
    ["//", "empty segment at index 1"],
    ["/a/./b", 'relative segment "." at index 3'],
    ["/a/../b", 'relative segment ".." at index 3'],
    ["/.", 'relative segment "."'],
    ["/a/..", 'relative segment ".."'],
    ["/a\u0000b", "forbidden character U+0000 at index 2"],
    ["/a\nb", "forbidden character U+000A"],
    ["/a\u007fb", "forbidden character U+007F"],
    ["/a\u009fb", "forbidden character U+009F"],
    ["/\ud83e\udd84", "forbidden character U+D83E"],
    ["/lone\udc00", "forbidden character U+DC00"],
    ["/private\ue000", "forbidden character U+E000"],
    ["/a\ufff0", "forbidden character U+FFF0"],
    ["/a\uffff", "forbidden character U+FFFF"],
  ])("refuses %j: %s", (path, reason) => {
    expect(pathProblem(path, false)).toContain(reason);
    const error = expectZabError(() => validatePath(path, { sequential: false, ...LIMIT }), "Invalid");
    expect(error.message).toContain(reason);
    expect(error.path).toBe(path);
  });

  it("checks a sequential prefix as if digits followed it", () => {
    for (const prefix of ["/", "/q/", "/q/item-", "/q/.", "/q/.."]) {
      expect(pathProblem(prefix, true), prefix).toBeUndefined();
    }
    for (const prefix of ["", "q", "/q//", "/./x-", "/a\u0000"]) {
      expect(pathProblem(prefix, true), prefix).toBeDefined();
    }
  });

  it("refuses every forbidden code unit wherever it appears", () => {
    const forbidden = fc.oneof(
      fc.integer({ min: 0, max: 0x1f }),
      fc.integer({ min: 0x7f, max: 0x9f }),
      fc.integer({ min: 0xd800, max: 0xf8ff }),
      fc.integer({ min: 0xfff0, max: 0xffff }),
    );
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z]{0,5}$/),
        forbidden,
        fc.stringMatching(/^[a-z]{0,5}$/),
        (before, unit, after) => {
          const path = `/${before}${String.fromCharCode(unit)}${after}`;
          expect(pathProblem(path, false)).toContain("forbidden character");
          expect(pathProblem(path, true)).toContain("forbidden character");
        },
      ),
    );
  });
});

describe("path size", () => {
  it("counts UTF-8 bytes and the sequential suffix against pathBytesMax", () => {
    // "é" is 2 bytes, "日" 3: "/é日" is 6 bytes.
    expect(validatePath("/é日", { sequential: false, pathBytesMax: 6 })).toBe(6);
    expectZabError(() => validatePath("/é日", { sequential: false, pathBytesMax: 5 }), "Invalid");
    expect(validatePath("/q-", { sequential: true, pathBytesMax: 13 })).toBe(3);
    const error = expectZabError(
      () => validatePath("/q-", { sequential: true, pathBytesMax: 12 }),
      "Invalid",
    );
    expect(error.message).toContain("13 bytes, over pathBytesMax 12");
  });

  it("quotes a long or hostile path in messages without forging lines", () => {
    const path = `/${"x".repeat(5000)}\n`;
    const error = expectZabError(() => validatePath(path, { sequential: false, ...LIMIT }), "Invalid");
    expect(error.message).not.toContain("\n");
    expect(error.message.length).toBeLessThan(400);
    expect(error.path).toBe(path);
  });
});

describe("path helpers", () => {
  it("splits and joins paths", () => {
    expect(parentOf("/a")).toBe("/");
    expect(parentOf("/a/b/c")).toBe("/a/b");
    expect(nodeName("/a/b/c")).toBe("c");
    expect(nodeName("/")).toBe("");
    expectZabError(() => parentOf("/"), "Invalid");
    const segment = fc.stringMatching(/^[a-zé日.]{1,4}$/).filter((name) => name !== "." && name !== "..");
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), (segments) => {
        const path = `/${segments.join("/")}`;
        expect(pathProblem(path, false)).toBeUndefined();
        expect(childPath(parentOf(path), nodeName(path))).toBe(path);
      }),
    );
  });

  it("names sequential nodes with 10 zero-padded digits and never wraps", () => {
    expect(sequentialPath("/q/item-", 0)).toBe("/q/item-0000000000");
    expect(sequentialPath("/q/", 42)).toBe("/q/0000000042");
    expect(sequentialPath("/", 2 ** 31)).toBe("/2147483648");
    expect(sequentialPath("/q-", SEQUENCE_MAX)).toBe("/q-9999999999");
    const error = expectZabError(() => sequentialPath("/q-", SEQUENCE_MAX + 1), "Invalid");
    expect(error.path).toBe("/q-");
    expect(() => sequentialPath("/q-", -1)).toThrow("bad sequence counter");
  });
});
