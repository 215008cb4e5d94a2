// Goal: the layout's names are exact and reversible, and foreign children are ignored. Method:
// unit tests, including names that are not history entries.

import { systemClock } from "@zab/core";
import { describe, expect, it } from "vitest";
import { ancestorsOf, configLayout, historyEntryName, versionOfHistoryEntry } from "../src/config-layout.js";
import { conflictBackoffMs } from "../src/conflict-backoff.js";
import { RECEIPTS_DELETED_PER_WRITE_MAX, ReceiptBook } from "../src/receipt-book.js";

describe("config layout", () => {
  it("places history and receipts under the value znode", () => {
    expect(configLayout("/a/b")).toEqual({
      valuePath: "/a/b",
      historyPath: "/a/b/.history",
      receiptsPath: "/a/b/.receipts",
    });
  });

  it("names history entries with 10 sortable digits, and reads them back", () => {
    expect(historyEntryName(0)).toBe("0000000000");
    expect(historyEntryName(2_147_483_647)).toBe("2147483647");
    for (const version of [0, 7, 123_456, 2_147_483_647]) {
      expect(versionOfHistoryEntry(historyEntryName(version))).toBe(version);
    }
    expect(() => historyEntryName(-1)).toThrow(RangeError);
    expect(() => historyEntryName(1.5)).toThrow(RangeError);
    for (const foreign of ["", "12", "000000000a", "00000000001", "notes"]) {
      expect(versionOfHistoryEntry(foreign)).toBeUndefined();
    }
  });

  it("lists the ancestors to create, outermost first", () => {
    expect(ancestorsOf("/a")).toEqual([]);
    expect(ancestorsOf("/a/b/c")).toEqual(["/a", "/a/b"]);
  });
});

describe("conflict backoff", () => {
  it("grows with the attempt up to 100 ms, with full jitter", () => {
    const top = new Uint8Array([255, 255]);
    const bottom = new Uint8Array([0, 0]);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempt) => conflictBackoffMs(attempt, top))).toEqual([
      2, 4, 8, 16, 32, 64, 100, 100, 100,
    ]);
    expect(conflictBackoffMs(8, bottom)).toBe(0);
    expect(() => conflictBackoffMs(0, top)).toThrow(RangeError);
  });
});

describe("receipt book", () => {
  it("names receipts uniquely and hands confirmed ones out a few at a time", () => {
    const book = new ReceiptBook("/s/.receipts", systemClock);
    const names = new Set(Array.from({ length: 100 }, () => book.newReceiptPath()));
    expect(names.size).toBe(100);
    for (const name of names) expect(name).toMatch(/^\/s\/\.receipts\/[0-9a-f]{32}$/);
    for (const name of names) book.confirm(name);
    const taken = book.take();
    expect(taken.length).toBe(RECEIPTS_DELETED_PER_WRITE_MAX);
    book.giveBack(taken);
    expect(book.take()).toEqual(taken);
    expect(book.takeAll().length).toBe(100 - RECEIPTS_DELETED_PER_WRITE_MAX);
    expect(book.takeAll()).toEqual([]);
  });
});
