/**
 * The metrics of one member, and their rendering for a Prometheus scrape.
 *
 * @module
 */
import { ZabError } from "../errors.js";
import { Counter } from "./counter.js";
import {
  escapeHelp,
  formatLabelPairs,
  formatSampleValue,
  isLabelName,
  isMetricName,
} from "./exposition-format.js";
import { Gauge } from "./gauge.js";
import { Histogram } from "./histogram.js";

/**
 * What every metric series is registered with.
 *
 * @since 0.1.0
 */
export interface MetricOptions {
  /**
   * The metric's name, such as `zab_proposals_total`: letters, digits, `_` and `:`, not starting
   * with a digit. By Prometheus convention it ends in its unit (`_seconds`, `_bytes`), and a
   * counter's ends in `_total`.
   */
  readonly name: string;
  /** One sentence on what the metric measures, shown by `# HELP`. The same for every series of a name. */
  readonly help: string;
  /**
   * Constant labels of this series, such as `{ op: "getData" }`. Registering the same name again
   * with other label values adds a series to the same metric; every series of a name carries the
   * same label names. Default: none.
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * How to register a {@link Counter}.
 *
 * @since 0.1.0
 */
export interface CounterOptions extends MetricOptions {
  /**
   * Reads the count at scrape time, for a count kept elsewhere; the counter then cannot be
   * incremented. It must never go down. Default: the counter counts its own increments.
   */
  readonly collect?: () => number;
}

/**
 * How to register a {@link Gauge}.
 *
 * @since 0.1.0
 */
export interface GaugeOptions extends MetricOptions {
  /**
   * Reads the value at scrape time, for a value held elsewhere (a map's size, the current role);
   * the gauge then cannot be set. Default: the gauge holds what it is set to.
   */
  readonly collect?: () => number;
}

/**
 * How to register a {@link Histogram}.
 *
 * @since 0.1.0
 */
export interface HistogramOptions extends MetricOptions {
  /**
   * The buckets' inclusive upper bounds: finite and strictly increasing. The `+Inf` bucket is
   * always added. The same for every series of a name.
   */
  readonly buckets: readonly number[];
}

type Series =
  | { readonly type: "counter"; readonly pairs: string; readonly metric: Counter }
  | { readonly type: "gauge"; readonly pairs: string; readonly metric: Gauge }
  | { readonly type: "histogram"; readonly pairs: string; readonly metric: Histogram };

/** All series of one metric name: one `# HELP` and `# TYPE` block in the output. */
interface Family {
  readonly type: Series["type"];
  readonly help: string;
  /** The label names, sorted and joined: every series of the family has the same. */
  readonly labelNames: string;
  /** The bucket bounds, joined, for a histogram: every series of the family has the same. */
  readonly buckets: string;
  readonly series: Series[];
  /** Each series' labels in canonical (sorted) form, to refuse a series registered twice. */
  readonly registered: Set<string>;
}

/**
 * A set of metrics, rendered on demand in the Prometheus text exposition format 0.0.4.
 *
 * @remarks
 * Registering happens once, up front: each call returns the series to update, and callers keep
 * that object, so recording a value is a field update with no lookup. Rendering reads every
 * series (calling `collect` callbacks) and builds the text, so its cost is paid by the scraper,
 * not by the member's hot paths. Families render in registration order, series in registration
 * order within a family. Everything runs on the event loop; no locking is needed.
 *
 * A member's {@link ZabServer} registers its metrics in the registry it is given (or a new one),
 * and a layer on top, or the application, may register more in the same registry, as long as
 * the names do not collide.
 * @example
 * ```ts
 * import { MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from "@zab/core";
 *
 * const registry = new MetricsRegistry();
 * const requests = registry.counter({
 *   name: "app_requests_total",
 *   help: "Requests handled.",
 *   labels: { route: "/orders" },
 * });
 * requests.inc();
 * response.setHeader("content-type", PROMETHEUS_CONTENT_TYPE);
 * response.end(registry.render());
 * ```
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 * @since 0.1.0
 */
export class MetricsRegistry {
  readonly #families = new Map<string, Family>();
  /** Every sample name in use (a histogram uses three), to refuse names that would collide. */
  readonly #sampleNames = new Map<string, string>();

  /**
   * Registers a counter series.
   *
   * @param options - Name, help, labels, and optionally a `collect` callback.
   * @returns The counter to increment.
   * @throws {@link ZabError} with code `"Invalid"` for an illegal name or label, a series
   *   registered twice, or a name already registered with another type, help or label names.
   */
  counter(options: CounterOptions): Counter {
    const metric = new Counter(options.collect);
    this.#register(options, { type: "counter", pairs: "", metric }, "");
    return metric;
  }

  /**
   * Registers a gauge series.
   *
   * @param options - Name, help, labels, and optionally a `collect` callback.
   * @returns The gauge to set.
   * @throws {@link ZabError} with code `"Invalid"` as for {@link MetricsRegistry.counter}.
   */
  gauge(options: GaugeOptions): Gauge {
    const metric = new Gauge(options.collect);
    this.#register(options, { type: "gauge", pairs: "", metric }, "");
    return metric;
  }

  /**
   * Registers a histogram series.
   *
   * @param options - Name, help, labels and bucket bounds.
   * @returns The histogram to observe into.
   * @throws {@link ZabError} with code `"Invalid"` as for {@link MetricsRegistry.counter}, for
   *   bounds that are not finite and strictly increasing, and for a label named `le` (the
   *   bucket label).
   */
  histogram(options: HistogramOptions): Histogram {
    const { name, buckets } = options;
    buckets.forEach((bound, index) => {
      const previous = buckets[index - 1];
      if (!Number.isFinite(bound) || (previous !== undefined && bound <= previous)) {
        throw new ZabError("Invalid", `the buckets of ${name} must be finite and strictly increasing`);
      }
    });
    if (options.labels !== undefined && "le" in options.labels) {
      throw new ZabError("Invalid", `${name} is a histogram: "le" is its bucket label`);
    }
    const metric = new Histogram(buckets);
    this.#register(options, { type: "histogram", pairs: "", metric }, buckets.join(","));
    return metric;
  }

  /**
   * Renders every series in the Prometheus text exposition format 0.0.4: per metric a `# HELP`
   * and a `# TYPE` line, then its samples (for a histogram: `_bucket` lines with `le` up to
   * `+Inf`, then `_sum` and `_count`).
   *
   * @remarks
   * Serve it with the `Content-Type` {@link PROMETHEUS_CONTENT_TYPE}. Calls every `collect`
   * callback once; what one throws propagates.
   * @returns The text, each line ending in a line feed; empty when nothing is registered.
   */
  render(): string {
    const lines: string[] = [];
    for (const [name, family] of this.#families) {
      lines.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`);
      for (const series of family.series) {
        const labels = series.pairs === "" ? "" : `{${series.pairs}}`;
        if (series.type !== "histogram") {
          lines.push(`${name}${labels} ${formatSampleValue(series.metric.value)}`);
          continue;
        }
        const { buckets, sum, count } = series.metric.snapshot();
        const prefix = series.pairs === "" ? "" : `${series.pairs},`;
        for (const bucket of buckets) {
          lines.push(`${name}_bucket{${prefix}le="${formatSampleValue(bucket.le)}"} ${bucket.count}`);
        }
        lines.push(`${name}_sum${labels} ${formatSampleValue(sum)}`, `${name}_count${labels} ${count}`);
      }
    }
    return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  }

  #register(options: MetricOptions, series: Series, buckets: string): void {
    const { name, help } = options;
    const labels = options.labels ?? {};
    if (!isMetricName(name)) throw new ZabError("Invalid", `"${name}" is not a legal metric name`);
    for (const label of Object.keys(labels)) {
      if (!isLabelName(label))
        throw new ZabError("Invalid", `"${label}" is not a legal label name (${name})`);
    }
    const labelNames = Object.keys(labels).sort().join(",");
    const canonical = formatLabelPairs(Object.fromEntries(Object.entries(labels).sort(byName)));
    let family = this.#families.get(name);
    if (family === undefined) {
      this.#claimSampleNames(name, series.type);
      family = { type: series.type, help, labelNames, buckets, series: [], registered: new Set() };
      this.#families.set(name, family);
    } else if (family.type !== series.type || family.help !== help) {
      throw new ZabError("Invalid", `${name} is already registered as a ${family.type} with other help`);
    } else if (family.labelNames !== labelNames || family.buckets !== buckets) {
      throw new ZabError("Invalid", `every series of ${name} must have the same label names and buckets`);
    }
    if (family.registered.has(canonical)) {
      throw new ZabError("Invalid", `${name}{${canonical}} is already registered`);
    }
    family.registered.add(canonical);
    family.series.push({ ...series, pairs: formatLabelPairs(labels) });
  }

  /** Reserves the names a new metric's samples use, so that no two metrics write the same lines. */
  #claimSampleNames(name: string, type: Series["type"]): void {
    const names = type === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
    for (const sampleName of names) {
      const owner = this.#sampleNames.get(sampleName);
      if (owner !== undefined) {
        throw new ZabError("Invalid", `${name} would write samples named ${sampleName}, as ${owner} does`);
      }
    }
    for (const sampleName of names) this.#sampleNames.set(sampleName, name);
  }
}

function byName([a]: [string, string], [b]: [string, string]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
