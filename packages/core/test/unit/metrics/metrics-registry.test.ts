// Goal: the registry renders exactly the Prometheus text exposition format 0.0.4 — HELP and TYPE
// once per metric, label values and help escaped, histogram buckets cumulative up to +Inf with
// _sum and _count — and refuses registrations that would produce ambiguous output. Method: exact
// expected text for small registries; then a registry exercising every feature, its output
// checked line by line against a strict grammar of the format and for internal consistency.
import { describe, expect, it } from "vitest";
import { AssertionError } from "../../../src/assert.js";
import { ZabError } from "../../../src/errors.js";
import { MetricsRegistry } from "../../../src/metrics/metrics-registry.js";

/** A metric or label name, a label value as escaped on the wire, a sample value. */
const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const VALUE = "(?:[+-]Inf|NaN|-?\\d+(?:\\.\\d+)?(?:e[+-]\\d+)?)";
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (?:[^\\\\\\n]|\\\\[\\\\n])*$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(\\{${LABEL}(?:,${LABEL})*\\})? (${VALUE})$`);

interface ParsedFamily {
  readonly type: string;
  readonly samples: { readonly name: string; readonly labels: string; readonly value: string }[];
}

/** Parses rendered text strictly: every line must match the grammar, in HELP, TYPE, samples order. */
function parseStrictly(text: string): Map<string, ParsedFamily> {
  expect(text.endsWith("\n")).toBe(true);
  const families = new Map<string, ParsedFamily>();
  let current: { name: string; family: ParsedFamily } | undefined;
  let helped: string | undefined;
  for (const line of text.slice(0, -1).split("\n")) {
    const help = HELP_LINE.exec(line);
    if (help !== null) {
      expect(helped, `a HELP line directly after another: ${line}`).toBeUndefined();
      helped = help[1];
      continue;
    }
    const type = TYPE_LINE.exec(line);
    if (type !== null) {
      const [, name = "", kind = ""] = type;
      expect(helped, `TYPE of ${name} follows its HELP`).toBe(name);
      expect(families.has(name), `${name} is declared once`).toBe(false);
      helped = undefined;
      current = { name, family: { type: kind, samples: [] } };
      families.set(name, current.family);
      continue;
    }
    const sample = SAMPLE_LINE.exec(line);
    expect(sample, `a line of the format: ${JSON.stringify(line)}`).not.toBeNull();
    expect(current, `a sample after a TYPE: ${line}`).toBeDefined();
    const [, name = "", labels = "", value = ""] = sample ?? [];
    const { name: family, family: parsed } = current ?? { name: "", family: { type: "", samples: [] } };
    const allowed =
      parsed.type === "histogram" ? [`${family}_bucket`, `${family}_sum`, `${family}_count`] : [family];
    expect(allowed, `${name} belongs to ${family}`).toContain(name);
    parsed.samples.push({ name, labels, value });
  }
  expect(helped, "no HELP without its TYPE").toBeUndefined();
  return families;
}

describe("the strict grammar used below", () => {
  it("rejects what a Prometheus parser rejects", () => {
    expect(SAMPLE_LINE.test('x{a="b"} 1')).toBe(true);
    expect(SAMPLE_LINE.test('x{a="b"c"} 1')).toBe(false);
    expect(SAMPLE_LINE.test('x{a="b\\\\"} 1')).toBe(true);
    expect(SAMPLE_LINE.test('x{a="b\\q"} 1')).toBe(false);
    expect(SAMPLE_LINE.test("x{} 1")).toBe(false);
    expect(SAMPLE_LINE.test("x 1.")).toBe(false);
    expect(SAMPLE_LINE.test("x Infinity")).toBe(false);
    expect(SAMPLE_LINE.test("x-y 1")).toBe(false);
    expect(HELP_LINE.test("# HELP x a \\q")).toBe(false);
    expect(TYPE_LINE.test("# TYPE x summaryish")).toBe(false);
  });
});

describe("MetricsRegistry rendering", () => {
  it("renders counters and gauges with HELP and TYPE", () => {
    const registry = new MetricsRegistry();
    const proposals = registry.counter({ name: "zab_proposals_total", help: "Proposals made." });
    const queue = registry.gauge({ name: "app_queue_length", help: "Items waiting." });
    proposals.inc();
    proposals.inc(4);
    queue.set(7);
    queue.dec(2);
    queue.inc();
    expect(registry.render()).toBe(
      [
        "# HELP zab_proposals_total Proposals made.",
        "# TYPE zab_proposals_total counter",
        "zab_proposals_total 5",
        "# HELP app_queue_length Items waiting.",
        "# TYPE app_queue_length gauge",
        "app_queue_length 6",
        "",
      ].join("\n"),
    );
  });

  it("renders nothing for an empty registry", () => {
    expect(new MetricsRegistry().render()).toBe("");
  });

  it("groups the series of one name under one HELP and TYPE, labels in the order given", () => {
    const registry = new MetricsRegistry();
    const help = "Requests by operation.";
    const reads = registry.counter({ name: "requests_total", help, labels: { op: "getData", kind: "read" } });
    registry.counter({ name: "requests_total", help, labels: { op: "create", kind: "write" } });
    reads.inc(2);
    expect(registry.render()).toBe(
      [
        "# HELP requests_total Requests by operation.",
        "# TYPE requests_total counter",
        'requests_total{op="getData",kind="read"} 2',
        'requests_total{op="create",kind="write"} 0',
        "",
      ].join("\n"),
    );
  });

  it("reads collected series at render time", () => {
    const registry = new MetricsRegistry();
    let sessions = 3;
    registry.gauge({ name: "sessions", help: "Open sessions.", collect: () => sessions });
    registry.counter({ name: "checks_total", help: "Checks.", collect: () => sessions * 10 });
    expect(registry.render()).toContain("sessions 3\n");
    sessions = 5;
    expect(registry.render()).toContain("sessions 5\n");
    expect(registry.render()).toContain("checks_total 50\n");
  });

  it("renders a histogram: cumulative buckets up to +Inf, then _sum and _count", () => {
    const registry = new MetricsRegistry();
    const latency = registry.histogram({
      name: "fsync_duration_seconds",
      help: "Fsync latency.",
      buckets: [0.005, 0.01, 1],
      labels: { disk: "a" },
    });
    for (const seconds of [0.001, 0.005, 0.0075, 0.5, 2]) latency.observe(seconds);
    expect(registry.render()).toBe(
      [
        "# HELP fsync_duration_seconds Fsync latency.",
        "# TYPE fsync_duration_seconds histogram",
        'fsync_duration_seconds_bucket{disk="a",le="0.005"} 2',
        'fsync_duration_seconds_bucket{disk="a",le="0.01"} 3',
        'fsync_duration_seconds_bucket{disk="a",le="1"} 4',
        'fsync_duration_seconds_bucket{disk="a",le="+Inf"} 5',
        'fsync_duration_seconds_sum{disk="a"} 2.5135',
        'fsync_duration_seconds_count{disk="a"} 5',
        "",
      ].join("\n"),
    );
  });

  it("renders an unlabelled, empty histogram with le as its only label", () => {
    const registry = new MetricsRegistry();
    registry.histogram({ name: "batch_size", help: "Batch sizes.", buckets: [1, 10] });
    expect(registry.render()).toBe(
      [
        "# HELP batch_size Batch sizes.",
        "# TYPE batch_size histogram",
        'batch_size_bucket{le="1"} 0',
        'batch_size_bucket{le="10"} 0',
        'batch_size_bucket{le="+Inf"} 0',
        "batch_size_sum 0",
        "batch_size_count 0",
        "",
      ].join("\n"),
    );
  });

  it("escapes backslashes and line feeds in help, and quotes too in label values", () => {
    const registry = new MetricsRegistry();
    registry.gauge({
      name: "escaped",
      help: 'A "quoted" path C:\\zab\nsecond line',
      labels: { path: 'C:\\dir\\"x"\nnext' },
    });
    expect(registry.render()).toBe(
      [
        '# HELP escaped A "quoted" path C:\\\\zab\\nsecond line',
        "# TYPE escaped gauge",
        'escaped{path="C:\\\\dir\\\\\\"x\\"\\nnext"} 0',
        "",
      ].join("\n"),
    );
  });

  it("spells infinities, NaN, negatives and large and small numbers as Prometheus reads them", () => {
    const registry = new MetricsRegistry();
    const values = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, -2.5, 1e21, 1e-7, -0];
    values.forEach((value, index) => {
      registry.gauge({ name: "value", help: "A value.", labels: { i: String(index) }, collect: () => value });
    });
    const samples = registry.render().split("\n").slice(2, -1);
    expect(samples).toEqual([
      'value{i="0"} +Inf',
      'value{i="1"} -Inf',
      'value{i="2"} NaN',
      'value{i="3"} -2.5',
      'value{i="4"} 1e+21',
      'value{i="5"} 1e-7',
      'value{i="6"} 0',
    ]);
  });

  it("produces only lines of the exposition grammar, each histogram consistent", () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter({ name: "a_total", help: "Plain \\ help\nwith a line feed." });
    counter.inc(3);
    for (const op of ["get", 'we"ird', "back\\slash", "new\nline", ""]) {
      registry.counter({ name: "ops_total", help: "By op.", labels: { op } }).inc(2);
    }
    registry.gauge({ name: "ns:gauge", help: "Colons are legal.", collect: () => -1.25 });
    for (const member of ["1", "2"]) {
      const histogram = registry.histogram({
        name: "latency_seconds",
        help: "Latency.",
        labels: { member },
        buckets: [0.001, 0.01, 0.1],
      });
      for (const seconds of [0.0005, 0.02, 0.2, 0.2]) histogram.observe(seconds * Number(member));
    }

    const families = parseStrictly(registry.render());
    expect([...families.keys()]).toEqual(["a_total", "ops_total", "ns:gauge", "latency_seconds"]);
    expect(families.get("ops_total")?.samples).toHaveLength(5);
    const histogram = families.get("latency_seconds");
    expect(histogram?.type).toBe("histogram");
    for (const member of ["1", "2"]) {
      const samples = histogram?.samples.filter((s) => s.labels.includes(`member="${member}"`)) ?? [];
      const buckets = samples.filter((s) => s.name === "latency_seconds_bucket");
      const counts = buckets.map((s) => Number(s.value));
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      expect(buckets.at(-1)?.labels).toContain('le="+Inf"');
      expect(samples.find((s) => s.name === "latency_seconds_count")?.value).toBe(String(counts.at(-1)));
      expect(samples.find((s) => s.name === "latency_seconds_count")?.value).toBe("4");
    }
  });
});

describe("MetricsRegistry registration", () => {
  const invalid = (register: (registry: MetricsRegistry) => void) => {
    const registry = new MetricsRegistry();
    registry.counter({ name: "taken_total", help: "Taken.", labels: { op: "a" } });
    registry.histogram({ name: "hist", help: "Histogram.", buckets: [1] });
    let caught: unknown;
    try {
      register(registry);
    } catch (error) {
      caught = error;
    }
    expect(ZabError.isInstance(caught, "Invalid"), String(caught)).toBe(true);
  };

  it("refuses illegal metric and label names", () => {
    invalid((r) => r.counter({ name: "1st", help: "x" }));
    invalid((r) => r.counter({ name: "has-dash", help: "x" }));
    invalid((r) => r.counter({ name: "", help: "x" }));
    invalid((r) => r.gauge({ name: "ok", help: "x", labels: { "bad-label": "v" } }));
    invalid((r) => r.gauge({ name: "ok", help: "x", labels: { __reserved: "v" } }));
  });

  it("refuses a series twice, and a name reused with another type, help, label names or buckets", () => {
    invalid((r) => r.counter({ name: "taken_total", help: "Taken.", labels: { op: "a" } }));
    invalid((r) => r.gauge({ name: "taken_total", help: "Taken.", labels: { op: "b" } }));
    invalid((r) => r.counter({ name: "taken_total", help: "Other help.", labels: { op: "b" } }));
    invalid((r) => r.counter({ name: "taken_total", help: "Taken.", labels: { kind: "b" } }));
    invalid((r) => r.counter({ name: "taken_total", help: "Taken." }));
    invalid((r) => r.histogram({ name: "hist", help: "Histogram.", buckets: [2] }));
  });

  it("refuses names whose samples would collide with a histogram's", () => {
    invalid((r) => r.counter({ name: "hist_count", help: "x" }));
    invalid((r) => r.gauge({ name: "hist_bucket", help: "x" }));
    const registry = new MetricsRegistry();
    registry.gauge({ name: "latency_sum", help: "x" });
    expect(() => registry.histogram({ name: "latency", help: "x", buckets: [] })).toThrow(ZabError);
  });

  it("refuses histogram buckets that are not finite and increasing, and an le label", () => {
    invalid((r) => r.histogram({ name: "h2", help: "x", buckets: [1, 1] }));
    invalid((r) => r.histogram({ name: "h2", help: "x", buckets: [2, 1] }));
    invalid((r) => r.histogram({ name: "h2", help: "x", buckets: [1, Number.POSITIVE_INFINITY] }));
    invalid((r) => r.histogram({ name: "h2", help: "x", buckets: [Number.NaN] }));
    invalid((r) => r.histogram({ name: "h2", help: "x", buckets: [1], labels: { le: "1" } }));
  });

  it("accepts the same series again in a separate registry", () => {
    const options = { name: "taken_total", help: "Taken." };
    new MetricsRegistry().counter(options);
    expect(() => new MetricsRegistry().counter(options)).not.toThrow();
  });
});

describe("metric series", () => {
  it("asserts that counters only go up and collected series are not written", () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter({ name: "c_total", help: "x" });
    expect(() => counter.inc(-1)).toThrow(AssertionError);
    expect(() => counter.inc(Number.NaN)).toThrow(AssertionError);
    const collected = registry.counter({ name: "d_total", help: "x", collect: () => 1 });
    expect(() => collected.inc()).toThrow(AssertionError);
    const gauge = registry.gauge({ name: "g", help: "x", collect: () => 1 });
    expect(() => gauge.set(2)).toThrow(AssertionError);
    expect(() => gauge.inc()).toThrow(AssertionError);
    const histogram = registry.histogram({ name: "h", help: "x", buckets: [1] });
    expect(() => histogram.observe(Number.NaN)).toThrow(AssertionError);
  });

  it("counts an observation equal to a bound in that bound's bucket", () => {
    const registry = new MetricsRegistry();
    const histogram = registry.histogram({ name: "h", help: "x", buckets: [1, 2, 4] });
    for (const value of [1, 2, 3, 4, 5, -1]) histogram.observe(value);
    expect(histogram.snapshot()).toEqual({
      buckets: [
        { le: 1, count: 2 },
        { le: 2, count: 3 },
        { le: 4, count: 5 },
        { le: Number.POSITIVE_INFINITY, count: 6 },
      ],
      sum: 14,
      count: 6,
    });
  });
});
