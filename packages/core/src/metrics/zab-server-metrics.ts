/**
 * The metrics a {@link ZabServer} keeps of its member: replication, durability, elections and
 * peer traffic.
 *
 * @module
 */
import type { DigestCheckStats } from "../protocol/digest-check.js";
import type { Epoch } from "../protocol/ids.js";
import type { Phase, Role, Transition } from "../protocol/ready.js";
import type { Counter } from "./counter.js";
import type { Histogram } from "./histogram.js";
import type { MetricsRegistry } from "./metrics-registry.js";

/**
 * What the metrics read from the member at scrape time: a {@link ZabNode} provides all of it.
 *
 * @since 0.1.0
 * @internal
 */
export interface ZabServerMetricsSource {
  /** The member's role now. */
  readonly role: Role;
  /** Its phase in that role. */
  readonly phase: Phase;
  /** The last epoch it accepted from a prospective leader. */
  readonly acceptedEpoch: Epoch;
  /** The epoch of the last leadership it acknowledged as established. */
  readonly currentEpoch: Epoch;
  /** Its digest comparisons since it started, cumulative. */
  readonly digestChecks: DigestCheckStats;
}

const ROLES: readonly Role[] = ["looking", "following", "leading", "observing"];
const PHASES: readonly Phase[] = ["election", "discovery", "synchronization", "broadcast"];

/** From a tenth of a millisecond (a memory log) to seconds (a disk in trouble). */
const FSYNC_SECONDS_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];
/** Powers of two: how far group commit amortizes one fsync. */
const FSYNC_TRANSACTIONS_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];
/** From a quick re-election on loopback to a member that cannot find a quorum for minutes. */
const ELECTION_SECONDS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * The instruments of one {@link ZabServer}, registered once in its registry.
 *
 * @remarks
 * Every recording method is a few number updates: the runtime calls them on its hot paths (each
 * frame, each group commit). What the node already knows (role, phase, epochs, digest checks) is
 * read by callbacks at scrape time instead of being copied on every change. The methods take
 * times from the caller, so this class reads no clock.
 * @since 0.1.0
 * @internal
 */
export class ZabServerMetrics {
  readonly #proposals: Counter;
  readonly #throttled: Counter;
  readonly #applied: Counter;
  readonly #fsyncSeconds: Histogram;
  readonly #fsyncTransactions: Histogram;
  readonly #elections: Counter;
  readonly #electionSeconds: Histogram;
  readonly #sentFrames: Counter;
  readonly #sentBytes: Counter;
  readonly #receivedFrames: Counter;
  readonly #receivedBytes: Counter;
  /**
   * When the member last stopped serving (or started), in the caller's milliseconds; `undefined`
   * while it serves in broadcast.
   */
  #unavailableSinceMs: number | undefined;

  /**
   * @param registry - Where to register; the names must be free there.
   * @param source - The member's node, read at scrape time.
   * @param startedMs - When the member started, in the same milliseconds as later calls: the
   *   first election's duration counts from here.
   */
  constructor(registry: MetricsRegistry, source: ZabServerMetricsSource, startedMs: number) {
    this.#unavailableSinceMs = startedMs;
    this.#proposals = registry.counter({
      name: "zab_proposals_total",
      help: "Transactions this member proposed while leading, its own clients' and those learners forwarded.",
    });
    this.#throttled = registry.counter({
      name: "zab_proposals_throttled_total",
      help: "Commands this leader refused because pendingProposalsMax proposals awaited a quorum.",
    });
    this.#applied = registry.counter({
      name: "zab_transactions_applied_total",
      help: "Committed transactions this member applied to its state machine (a snapshot installed from a leader counts none).",
    });
    this.#fsyncSeconds = registry.histogram({
      name: "zab_log_fsync_duration_seconds",
      help: "Time to make one batch of log appends durable: the appends and their one fsync (group commit).",
      buckets: FSYNC_SECONDS_BUCKETS,
    });
    this.#fsyncTransactions = registry.histogram({
      name: "zab_log_fsync_transactions",
      help: "Transactions made durable by one log fsync: how many appends group commit batched.",
      buckets: FSYNC_TRANSACTIONS_BUCKETS,
    });
    this.#elections = registry.counter({
      name: "zab_elections_total",
      help: "Times this member started looking for a leader: at start, and whenever it lost or gave up a leadership.",
    });
    this.#electionSeconds = registry.histogram({
      name: "zab_election_duration_seconds",
      help: "From starting, or leaving broadcast, to serving in broadcast again: how long the member could not serve.",
      buckets: ELECTION_SECONDS_BUCKETS,
    });
    for (const role of ROLES) {
      registry.gauge({
        name: "zab_role",
        help: "1 for this member's current role (looking, following, leading or observing), 0 for the others.",
        labels: { role },
        collect: () => (source.role === role ? 1 : 0),
      });
    }
    for (const phase of PHASES) {
      registry.gauge({
        name: "zab_phase",
        help: "1 for this member's current phase (it serves only in broadcast), 0 for the others.",
        labels: { phase },
        collect: () => (source.phase === phase ? 1 : 0),
      });
    }
    registry.gauge({
      name: "zab_accepted_epoch",
      help: "The last epoch this member accepted from a prospective leader (ZAB's acceptedEpoch).",
      collect: () => source.acceptedEpoch,
    });
    registry.gauge({
      name: "zab_current_epoch",
      help: "The epoch of the last leadership this member acknowledged as established (ZAB's currentEpoch).",
      collect: () => source.currentEpoch,
    });
    this.#sentFrames = registry.counter({
      name: "zab_peer_sent_frames_total",
      help: "Frames this member handed to its peer transport.",
    });
    this.#sentBytes = registry.counter({
      name: "zab_peer_sent_bytes_total",
      help: "Bytes of the frames this member handed to its peer transport (encoded messages, without transport framing).",
    });
    this.#receivedFrames = registry.counter({
      name: "zab_peer_received_frames_total",
      help: "Frames this member received from its peers, decodable or not.",
    });
    this.#receivedBytes = registry.counter({
      name: "zab_peer_received_bytes_total",
      help: "Bytes of the frames this member received from its peers (encoded messages, without transport framing).",
    });
    registry.counter({
      name: "zab_digest_checks_total",
      help: "Leader state digests this learner compared with its own.",
      collect: () => source.digestChecks.checked,
    });
    registry.counter({
      name: "zab_digest_mismatches_total",
      help: "Digest comparisons that found this replica's state diverged from its leader's (each also logged as an error).",
      collect: () => source.digestChecks.mismatched,
    });
    registry.counter({
      name: "zab_digest_skipped_total",
      help: "Leader digests this learner could not compare because it no longer knew its own at that zxid.",
      collect: () => source.digestChecks.skipped,
    });
  }

  /** The leader proposed one transaction. */
  proposed(): void {
    this.#proposals.inc();
  }

  /** The leader refused a command because too many proposals were pending. */
  throttled(): void {
    this.#throttled.inc();
  }

  /**
   * The member applied transactions.
   *
   * @param count - How many.
   */
  applied(count: number): void {
    this.#applied.inc(count);
  }

  /**
   * One group commit completed: appends, then one fsync.
   *
   * @param durationMs - From the first append to the fsync's completion.
   * @param transactions - The transactions it made durable.
   */
  synced(durationMs: number, transactions: number): void {
    this.#fsyncSeconds.observe(durationMs / 1000);
    this.#fsyncTransactions.observe(transactions);
  }

  /**
   * The member changed role or phase.
   *
   * @param transition - The change.
   * @param nowMs - When, in the milliseconds given to the constructor.
   */
  transition(transition: Transition, nowMs: number): void {
    if (transition.phase === "election") this.#elections.inc();
    if (transition.phase !== "broadcast") {
      // The outage runs from the first step out of broadcast; failed attempts extend it.
      this.#unavailableSinceMs ??= nowMs;
      return;
    }
    if (this.#unavailableSinceMs !== undefined) {
      this.#electionSeconds.observe((nowMs - this.#unavailableSinceMs) / 1000);
      this.#unavailableSinceMs = undefined;
    }
  }

  /**
   * A frame went to the peer transport.
   *
   * @param bytes - Its encoded size.
   */
  sent(bytes: number): void {
    this.#sentFrames.inc();
    this.#sentBytes.inc(bytes);
  }

  /**
   * A frame arrived from a peer.
   *
   * @param bytes - Its encoded size.
   */
  received(bytes: number): void {
    this.#receivedFrames.inc();
    this.#receivedBytes.inc(bytes);
  }
}
