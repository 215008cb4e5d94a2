// Goal: both history parsers read exactly the shapes documented in
// shared/data/linearizability/README.md and pair each completion with the invocation of the same
// process, so that the checker sees the history Jepsen recorded. Method: small logs covering
// every documented line shape (tabs and runs of spaces), interleaved processes, indeterminate
// outcomes (`:info` and missing completions), a timed-out read, completions that match nothing,
// and lines of other shapes, checked against the operations they must produce.
import { describe, expect, it } from "vitest";
import { HistoryBuilder } from "../../src/linearizability/history-builder.js";
import { parseEtcdHistory } from "../../src/linearizability/parse-etcd-history.js";
import { parseKvHistory } from "../../src/linearizability/parse-kv-history.js";

const never = Number.POSITIVE_INFINITY;

function etcdLog(...events: string[]): string {
  return events.map((event) => `INFO  jepsen.util - ${event.replaceAll(" ", "\t")}`).join("\n");
}

describe("parseEtcdHistory", () => {
  it("pairs invocations and completions per process, in line order", () => {
    const history = parseEtcdHistory(
      etcdLog(
        "0 :invoke :read nil",
        "1 :invoke :write 4",
        "2 :invoke :cas [4 0]",
        "1 :ok :write 4",
        "0 :ok :read nil",
        "2 :fail :cas [4 0]",
        "0 :invoke :cas [1 2]",
        "0 :ok :cas [1 2]",
        "1 :invoke :read nil",
        "1 :ok :read 3",
      ),
    );
    expect(history).toEqual([
      {
        process: 0,
        input: { kind: "read" },
        output: { kind: "read", value: null },
        callTime: 1,
        returnTime: 5,
      },
      {
        process: 1,
        input: { kind: "write", value: 4 },
        output: { kind: "write" },
        callTime: 2,
        returnTime: 4,
      },
      {
        process: 2,
        input: { kind: "cas", from: 4, to: 0 },
        output: { kind: "cas", ok: false },
        callTime: 3,
        returnTime: 6,
      },
      {
        process: 0,
        input: { kind: "cas", from: 1, to: 2 },
        output: { kind: "cas", ok: true },
        callTime: 7,
        returnTime: 8,
      },
      {
        process: 1,
        input: { kind: "read" },
        output: { kind: "read", value: 3 },
        callTime: 9,
        returnTime: 10,
      },
    ]);
  });

  it("makes :info and unanswered operations indeterminate, and timed-out reads unknown", () => {
    const history = parseEtcdHistory(
      etcdLog(
        "3 :invoke :write 1",
        "4 :invoke :read nil",
        "5 :invoke :cas [1 2]",
        "3 :info :write :timed-out",
        "4 :fail :read :timed-out",
      ),
    );
    expect(history).toEqual([
      { process: 3, input: { kind: "write", value: 1 }, output: undefined, callTime: 1, returnTime: never },
      { process: 4, input: { kind: "read" }, output: undefined, callTime: 2, returnTime: 4 },
      {
        process: 5,
        input: { kind: "cas", from: 1, to: 2 },
        output: undefined,
        callTime: 3,
        returnTime: never,
      },
    ]);
  });

  it("accepts runs of spaces as separators", () => {
    const history = parseEtcdHistory(
      "INFO  jepsen.util - 7   :invoke :write  2\nINFO  jepsen.util - 7  :ok     :write  2\n",
    );
    expect(history).toEqual([
      {
        process: 7,
        input: { kind: "write", value: 2 },
        output: { kind: "write" },
        callTime: 1,
        returnTime: 2,
      },
    ]);
  });

  it("ignores lines of other shapes and completions that match no pending invocation", () => {
    const history = parseEtcdHistory(
      [
        "INFO  jepsen.core - Worker 0 starting",
        etcdLog("0 :ok :read 3"), // nothing pending
        etcdLog("0 :invoke :read nil"),
        etcdLog("0 :ok :write 3"), // a different operation than the pending read
        etcdLog("0 :fail :write 3"), // not a documented shape
        etcdLog("0 :invoke :frobnicate 3"),
        "",
        etcdLog("0 :ok :read 3"),
      ].join("\n"),
    );
    expect(history).toEqual([
      { process: 0, input: { kind: "read" }, output: { kind: "read", value: 3 }, callTime: 1, returnTime: 2 },
    ]);
  });
});

describe("parseKvHistory", () => {
  it("pairs invocations and completions per process, and leaves unanswered ones indeterminate", () => {
    const history = parseKvHistory(
      [
        '{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}',
        '{:process 1, :type :invoke, :f :get, :key "0", :value nil}',
        '{:process 2, :type :invoke, :f :put, :key "1", :value "v"}',
        '{:process 1, :type :ok, :f :get, :key "0", :value ""}',
        '{:process 0, :type :ok, :f :append, :key "0", :value "x 0 0 y"}',
      ].join("\n"),
    );
    expect(history).toEqual([
      {
        process: 0,
        input: { kind: "append", key: "0", value: "x 0 0 y" },
        output: { kind: "append" },
        callTime: 1,
        returnTime: 5,
      },
      {
        process: 1,
        input: { kind: "get", key: "0" },
        output: { kind: "get", value: "" },
        callTime: 2,
        returnTime: 4,
      },
      {
        process: 2,
        input: { kind: "put", key: "1", value: "v" },
        output: undefined,
        callTime: 3,
        returnTime: never,
      },
    ]);
  });

  it("reads string escapes and ignores lines that are not such maps", () => {
    const history = parseKvHistory(
      [
        "not a map",
        '{:process 0, :type :invoke, :f :get, :key "0", :value nil} trailing',
        '{:process 0, :type :invoke, :f :get, :key "0", :value nil, :value nil}',
        '{:process 0 :type :invoke :f :put :key "a\\"b" :value "c\\\\d"}',
        '{:process 0, :type :ok, :f :put, :key "other", :value "c\\\\d"}', // a different key
        '{:process 0, :type :ok, :f :put, :key "a\\"b", :value "c\\\\d"}',
      ].join("\n"),
    );
    expect(history).toEqual([
      {
        process: 0,
        input: { kind: "put", key: 'a"b', value: "c\\d" },
        output: { kind: "put" },
        callTime: 1,
        returnTime: 2,
      },
    ]);
  });
});

describe("HistoryBuilder", () => {
  it("leaves an operation indeterminate when its process invokes again", () => {
    const builder = new HistoryBuilder<string, string>();
    builder.invoke(0, "first");
    builder.invoke(0, "second");
    builder.complete(0, "done");
    expect(builder.build()).toEqual([
      { process: 0, input: "first", output: undefined, callTime: 1, returnTime: never },
      { process: 0, input: "second", output: "done", callTime: 2, returnTime: 3 },
    ]);
  });

  it("enforces its limits and contracts", () => {
    const builder = new HistoryBuilder<string, string>({ operationsMax: 1 });
    builder.invoke(0, "only");
    expect(() => builder.invoke(1, "one too many")).toThrow(RangeError);
    expect(() => builder.complete(1, "nothing pending")).toThrow(RangeError);
  });
});
