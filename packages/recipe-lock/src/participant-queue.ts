/**
 * The stateful shell shared by every recipe of the package (Curator's `LockInternals`): a queue of
 * participants, each an ephemeral-sequential node with a protected name in the recipe's
 * directory, and the loop "read the children → decide → watch → wait" that turns a place in the
 * queue into a held {@link Lease}.
 *
 * Creation is where a queue usually breaks under faults. A create whose reply is lost may still
 * happen — even later, if the request was held up in a member that has since lost the session's
 * connection — and a node nobody knows about would sit in the queue as a ghost waiter and, at the
 * head, block everyone until the session ends. So each participant is created by a `multi` that
 * also checks the version of the recipe's *guard*, a small ephemeral node of its own; when a
 * create's outcome is unknown, the shell first moves the guard's version on (so that create can
 * no longer happen), and only then looks for its node by the GUID in its name. That makes
 * Curator's protected-create trick sound even against a late create. The same `multi` returns
 * the new node's stat, whose `czxid` is the fencing token: no extra read.
 *
 * @module
 */
import {
  assert,
  type Clock,
  type Coordination,
  type CreateResult,
  MultiError,
  type MultiItemOp,
  type WatchEvent,
  ZabError,
} from "@zab/core";
import { abortable, abortReason } from "./abortable.js";
import { decideLock, type LockDecision, type LockRule } from "./decide-lock.js";
import type { FencingToken } from "./fencing-token.js";
import { HeldLease } from "./lease.js";
import {
  newGuid,
  type ParticipantKind,
  type ParticipantName,
  participantPrefix,
  participantsOf,
} from "./participant-name.js";
import { ensurePath } from "./recipe-path.js";
import { isIndeterminate, isSessionEnded, retrying } from "./retrying.js";
import { type AbortOn, SessionTrust } from "./session-trust.js";

const EMPTY = new Uint8Array(0);
/** The prefix of a guard node's name; not a participant, so the decisions ignore it. */
const GUARD_PREFIX = "_g_";

/**
 * Settings of a {@link ParticipantQueue}.
 */
export interface ParticipantQueueOptions {
  /** The session the participants' nodes belong to. */
  readonly session: Coordination;
  /** The recipe's directory, validated. */
  readonly path: string;
  /** Timers (for `tryAcquire`) and random GUIDs. */
  readonly clock: Clock;
  /** When leases stop being trusted. */
  readonly abortOn: AbortOn;
}

/** What one attempt to join the queue knows about its node. */
interface Attempt {
  readonly guid: string;
  /** The node, once known to exist. */
  node: { readonly name: string; readonly fencingToken: FencingToken } | undefined;
  /**
   * The guard (path and version) checked by a create whose outcome is not known: until that
   * version is fenced off, a node with this GUID may still appear.
   */
  unknownCreate: { readonly path: string; readonly version: number } | undefined;
}

/** How one acquisition waits. */
export interface AcquireRequest {
  /** What the participant wants. */
  readonly kind: ParticipantKind;
  /** Who stands in its way. */
  readonly rule: LockRule;
  /** The participant node's data (a candidate's id in an election). */
  readonly data?: Uint8Array;
  /** Stops waiting; the attempt's node is removed in the background. */
  readonly signal?: AbortSignal;
  /**
   * With `0`, give up (returning `undefined`) as soon as the first decision is not `acquired`:
   * `tryAcquire` without waiting.
   */
  readonly waitMs?: 0;
  /** Told when the lease is released, before its node is deleted. */
  readonly onRelease?: (lease: HeldLease) => void;
}

/**
 * A queue of participants in one directory, for one recipe instance.
 */
export class ParticipantQueue {
  readonly #session: Coordination;
  readonly #path: string;
  readonly #clock: Clock;
  readonly #abortOn: AbortOn;
  readonly #trust: SessionTrust;
  /** Removals still running in the background (cancelled waiters, released leases). */
  readonly #cleanups = new Set<Promise<void>>();
  /** Acquires not settled yet: each may still leave a removal behind. */
  readonly #acquiring = new Set<Promise<unknown>>();
  /** The guard: its path, and the version participants are created against. */
  #guard: { readonly path: string; version: number } | undefined;
  #guardReady: Promise<{ readonly path: string; version: number }> | undefined;

  /** @param options - The session, directory, clock and trust policy. */
  constructor(options: ParticipantQueueOptions) {
    this.#session = options.session;
    this.#path = options.path;
    this.#clock = options.clock;
    this.#abortOn = options.abortOn;
    this.#trust = SessionTrust.of(options.session);
  }

  /** The session the queue's nodes belong to. */
  get session(): Coordination {
    return this.#session;
  }

  /**
   * Joins the queue and waits until the rule says the participant holds it.
   *
   * @param request - Kind, rule, data, signal and patience.
   * @returns The lease, or `undefined` when `waitMs` is 0 and it was not acquired at once.
   * @throws {@link @zab/core!ZabError} with the signal's reason (`"Aborted"`, `"Timeout"`, ...), `"SessionExpired"`
   *   (the session was lost, or our node vanished), `"Closed"`.
   */
  acquire(request: AcquireRequest): Promise<HeldLease | undefined> {
    const acquiring = this.#acquire(request);
    this.#acquiring.add(acquiring);
    const done = () => this.#acquiring.delete(acquiring);
    acquiring.then(done, done);
    return acquiring;
  }

  async #acquire(request: AcquireRequest): Promise<HeldLease | undefined> {
    const attempt: Attempt = { guid: newGuid(this.#clock), node: undefined, unknownCreate: undefined };
    let lease: HeldLease | undefined;
    try {
      const listed = await this.#enqueue(attempt, request);
      lease = await this.#wait(attempt, request, listed);
      return lease;
    } finally {
      // Anything but a lease handed out leaves a node, or a create that may still land, to remove.
      if (lease === undefined && (attempt.node !== undefined || attempt.unknownCreate !== undefined)) {
        void this.#track(this.#remove(attempt));
      }
    }
  }

  /**
   * The participants in queue order (for an election's `leader()`).
   *
   * @param signal - Gives up.
   * @returns The participants, first in line first.
   */
  async participants(signal: AbortSignal | undefined): Promise<readonly ParticipantName[]> {
    return participantsOf(await retrying(() => this.#listChildren(signal), signal));
  }

  /**
   * Waits for the acquires in progress to settle (the caller aborted them first) and for every
   * background removal, then deletes the guard. Leases already handed out stay held (release them
   * first).
   */
  async close(): Promise<void> {
    // Bounded: no acquire or removal starts after the recipe's close began, and each settles
    // (an aborted acquire at once, a removal when done or when the session ends).
    while (this.#acquiring.size > 0 || this.#cleanups.size > 0) {
      await Promise.allSettled([...this.#acquiring, ...this.#cleanups]);
    }
    const guard = this.#guard;
    this.#guard = undefined;
    this.#guardReady = undefined;
    if (guard !== undefined) await this.#deleteNode(guard.path);
  }

  /**
   * Creates the attempt's node, resolving unknown outcomes; pipelines the first read of the
   * children behind the create (the session answers in order, so it sees the node).
   *
   * @returns The children read right after the node was created, when that read succeeded.
   */
  async #enqueue(attempt: Attempt, request: AcquireRequest): Promise<readonly string[] | undefined> {
    const { signal } = request;
    const prefix = `${this.#path}/${participantPrefix(attempt.guid, request.kind)}`;
    // Each turn either returns, throws, or follows a definite refusal or a fenced unknown outcome;
    // a session that cannot make progress is lost within its timeout and every call then throws.
    for (;;) {
      if (signal?.aborted === true) throw abortReason(signal, "acquiring");
      const guard = await this.#guardFor(signal);
      const ops: MultiItemOp[] = [
        { op: "check", path: guard.path, version: guard.version },
        { op: "create", path: prefix, data: request.data ?? EMPTY, mode: "ephemeralSequential", ttlMs: 0 },
      ];
      attempt.unknownCreate = { path: guard.path, version: guard.version };
      const created = this.#session.multi(ops, signalOption(signal));
      const listed = this.#listChildren(signal);
      // The read's outcome matters only if the create succeeded; it is awaited (or dropped) below.
      listed.catch(() => undefined);
      try {
        const outcomes = await created;
        const result = outcomes[1] as CreateResult;
        assert(result?.op === "create", "a multi's create answers with a create result");
        attempt.node = { name: baseName(result.path), fencingToken: result.stat.czxid };
        attempt.unknownCreate = undefined;
        try {
          return await listed;
        } catch (error) {
          if (isIndeterminate(error)) return undefined;
          throw error;
        }
      } catch (error) {
        if (attempt.node !== undefined) throw error;
        if (error instanceof MultiError) {
          // A refused multi applied nothing: the outcome is definite.
          attempt.unknownCreate = undefined;
          if (error.failedIndex === 0) {
            // The guard moved on (another attempt of this recipe fenced its own unknown create) or
            // went away: learn its version again and retry.
            await this.#refreshGuard(guard, signal);
            continue;
          }
          if (error.code === "NoNode") {
            // No directory yet (or it was deleted): create it and retry.
            await ensurePath(this.#session, this.#path, signal);
            continue;
          }
          throw error;
        }
        if (!isIndeterminate(error)) throw error;
        // The create may have happened, or may still happen: fence it, then look for it.
        if (await this.#resolveUnknownCreate(attempt, signal)) return undefined;
      }
    }
  }

  /**
   * After a create with an unknown outcome: makes sure it can no longer happen (the guard's
   * version moves past the one it checked), then looks for its node by GUID.
   *
   * @returns Whether the node exists (then `attempt.node` is set).
   */
  async #resolveUnknownCreate(attempt: Attempt, signal: AbortSignal | undefined): Promise<boolean> {
    const checked = attempt.unknownCreate;
    assert(checked !== undefined, "an unknown create is being resolved");
    await this.#fence(checked, signal);
    const children = await retrying(() => this.#listChildren(signal), signal);
    const mine = participantsOf(children).filter((participant) => participant.guid === attempt.guid);
    // Every create of an attempt is fenced before the next is sent, so at most one ever lands.
    assert(mine.length <= 1, `attempt ${attempt.guid} has ${mine.length} nodes`);
    const [node] = mine;
    // Until the node is recorded the attempt stays "unknown", so that a failure from here on
    // still removes whatever carries its GUID.
    if (node === undefined) {
      attempt.unknownCreate = undefined;
      return false;
    }
    const { stat } = await retrying(
      () => this.#session.exists(`${this.#path}/${node.name}`, signalOption(signal)),
      signal,
    );
    attempt.unknownCreate = undefined;
    if (stat === undefined) return false;
    attempt.node = { name: node.name, fencingToken: stat.czxid };
    return true;
  }

  /**
   * Moves the guard's version past `checked.version`, so that a multi checking that version can
   * never apply. Done when the version is already past it, or the guard is gone (a multi
   * checking a missing node fails too; the next create uses a new guard).
   */
  async #fence(
    checked: { readonly path: string; readonly version: number },
    signal: AbortSignal | undefined,
  ): Promise<void> {
    for (;;) {
      const { stat } = await retrying(() => this.#session.exists(checked.path, signalOption(signal)), signal);
      if (stat === undefined || stat.version > checked.version) {
        this.#learnGuard(checked.path, stat?.version);
        return;
      }
      try {
        const after = await this.#session.setData(checked.path, EMPTY, {
          version: stat.version,
          ...signalOption(signal),
        });
        this.#learnGuard(checked.path, after.version);
        return;
      } catch (error) {
        // A lost reply, a concurrent bump or a vanished guard: read again and judge from that.
        const known =
          isIndeterminate(error) ||
          ZabError.isInstance(error, "BadVersion") ||
          ZabError.isInstance(error, "NoNode");
        if (!known) throw error;
      }
    }
  }

  /** Records what we know of the guard: a newer version, or that it is gone. */
  #learnGuard(path: string, version: number | undefined): void {
    const guard = this.#guard;
    if (guard === undefined || guard.path !== path) return;
    if (version === undefined) {
      // A new guard, under a new name: a late multi checking the old one fails on its absence.
      this.#guard = undefined;
      this.#guardReady = undefined;
      return;
    }
    if (version > guard.version) guard.version = version;
  }

  async #refreshGuard(
    guard: { readonly path: string; version: number },
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const { stat } = await retrying(() => this.#session.exists(guard.path, signalOption(signal)), signal);
    this.#learnGuard(guard.path, stat?.version);
  }

  /** The guard, created on first use. */
  #guardFor(signal: AbortSignal | undefined): Promise<{ readonly path: string; version: number }> {
    if (this.#guard !== undefined) return Promise.resolve(this.#guard);
    if (this.#guardReady === undefined) {
      const ready = this.#createGuard().then(
        (guard) => {
          if (this.#guardReady === ready) this.#guard = guard;
          return guard;
        },
        (error: unknown) => {
          if (this.#guardReady === ready) this.#guardReady = undefined;
          throw error;
        },
      );
      this.#guardReady = ready;
    }
    return abortable(this.#guardReady, signal, "creating the lock's guard node");
  }

  async #createGuard(): Promise<{ readonly path: string; version: number }> {
    const path = `${this.#path}/${GUARD_PREFIX}${newGuid(this.#clock)}`;
    for (;;) {
      try {
        await this.#session.create(path, { mode: "ephemeral" });
        return { path, version: 0 };
      } catch (error) {
        if (ZabError.isInstance(error, "NoNode")) {
          await ensurePath(this.#session, this.#path, undefined);
          continue;
        }
        // The name is ours alone: found after an unknown outcome, it is our own create.
        if (ZabError.isInstance(error, "NodeExists")) {
          const { stat } = await retrying(() => this.#session.exists(path));
          if (stat !== undefined) return { path, version: stat.version };
          continue;
        }
        if (!isIndeterminate(error)) throw error;
      }
    }
  }

  /**
   * Waits until the attempt's node holds the lock.
   *
   * @param listed - The children read right behind the create, if that read succeeded.
   */
  async #wait(
    attempt: Attempt,
    request: AcquireRequest,
    listed: readonly string[] | undefined,
  ): Promise<HeldLease | undefined> {
    const { signal } = request;
    const node = attempt.node;
    assert(node !== undefined, "an enqueued attempt has its node");
    let children: readonly ParticipantName[] | undefined =
      listed === undefined ? undefined : participantsOf(listed);
    /** Set when a decision said "wait for the children": the next read leaves a watch. */
    let watchChildren = false;
    // Each turn reads the children (or uses what is already known), decides, and either returns
    // or waits for a change; it ends when acquired, given up, or the session ends.
    for (;;) {
      let childrenChanged: Promise<unknown> | undefined;
      if (children === undefined && watchChildren) {
        const read = await retrying(
          () => this.#session.getChildren(this.#path, { watch: true, ...signalOption(signal) }),
          signal,
        );
        children = participantsOf(read.children);
        childrenChanged = read.watch;
      }
      children ??= participantsOf(await retrying(() => this.#listChildren(signal), signal));
      const participants = children;
      children = undefined;
      const decision: LockDecision = decideLock({ participants, ours: node.name, rule: request.rule });
      switch (decision.kind) {
        case "acquired":
          // Granting while the connection is in doubt would hand out a lease already untrusted:
          // read again, which waits for the reconnection (or fails when the session is lost).
          if (this.#abortOn === "suspended" && this.#session.state === "suspended") continue;
          return this.#grant(attempt, node, request);
        case "missing":
          throw new ZabError(
            "SessionExpired",
            `the participant node ${this.#path}/${node.name} is gone: its session expired or it was deleted`,
            { path: `${this.#path}/${node.name}` },
          );
        case "waitForPredecessor":
          if (request.waitMs === 0) return undefined;
          if (await this.#awaitDeleted(`${this.#path}/${decision.predecessor}`, signal)) {
            // The predecessor's deletion was seen. Participants only leave the line ahead of us
            // (newcomers queue behind), so deciding on the last read without it is deciding on a
            // line at least as favourable as the real one: "acquired" there is acquired here,
            // with no second read on the hand-over path. Anything else reads again.
            children = participants.filter((participant) => participant.name !== decision.predecessor);
          }
          break;
        case "waitForChildren":
          if (request.waitMs === 0) return undefined;
          watchChildren = true;
          if (childrenChanged !== undefined) await awaitWatch(childrenChanged);
          break;
      }
    }
  }

  #grant(
    attempt: Attempt,
    node: { readonly name: string; readonly fencingToken: FencingToken },
    request: AcquireRequest,
  ): HeldLease {
    const path = `${this.#path}/${node.name}`;
    return new HeldLease({
      path,
      fencingToken: node.fencingToken,
      abortOn: this.#abortOn,
      trust: this.#trust,
      delete: () => this.#track(this.#remove(attempt)),
      ...(request.onRelease === undefined ? {} : { onRelease: request.onRelease }),
    });
  }

  /**
   * Waits until the node at `path` is gone.
   *
   * @returns `true` when its deletion event was seen; `false` when it was already gone, or the
   *   watch was lost with the channel (the caller reads again).
   */
  async #awaitDeleted(path: string, signal: AbortSignal | undefined): Promise<boolean> {
    let read: { readonly stat: unknown; readonly watch: Promise<WatchEvent> };
    try {
      read = await this.#session.exists(path, { watch: true, ...signalOption(signal) });
    } catch (error) {
      if (isIndeterminate(error)) return false;
      throw error;
    }
    if (read.stat === undefined) return false;
    try {
      const event = await read.watch;
      return event.type === "nodeDeleted" && event.path === path;
    } catch (error) {
      if (isIndeterminate(error)) return false;
      throw error;
    }
  }

  async #listChildren(signal: AbortSignal | undefined): Promise<readonly string[]> {
    const { children } = await this.#session.getChildren(this.#path, signalOption(signal));
    return children;
  }

  /**
   * Removes an attempt's node, and any node its unknown create may still produce; retried until
   * done or the session ends (which removes them too).
   */
  async #remove(attempt: Attempt): Promise<void> {
    try {
      if (attempt.node !== undefined) await this.#deleteNode(`${this.#path}/${attempt.node.name}`);
      const unknown = attempt.unknownCreate;
      if (unknown !== undefined) {
        await this.#fence(unknown, undefined);
        const children = await retrying(() => this.#listChildren(undefined));
        for (const participant of participantsOf(children)) {
          if (participant.guid === attempt.guid) await this.#deleteNode(`${this.#path}/${participant.name}`);
        }
        attempt.unknownCreate = undefined;
      }
    } catch (error) {
      // The session ended: every ephemeral node of it is gone with it.
      if (!isSessionEnded(error)) throw error;
    }
  }

  /** Deletes a node of ours, tolerating that it is already gone or the session ended. */
  async #deleteNode(path: string): Promise<void> {
    try {
      await retrying(() => this.#session.delete(path));
    } catch (error) {
      // Already deleted — by an earlier attempt whose reply was lost, or with its session.
      if (!ZabError.isInstance(error, "NoNode") && !isSessionEnded(error)) throw error;
    }
  }

  /** Keeps a background removal, for {@link ParticipantQueue.close} to wait for, and returns it. */
  #track(removal: Promise<void>): Promise<void> {
    this.#cleanups.add(removal);
    const done = () => this.#cleanups.delete(removal);
    removal.then(done, done);
    return removal;
  }
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `{ signal }` when there is one: the options objects are exact (no `signal: undefined`). */
function signalOption(signal: AbortSignal | undefined): { readonly signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}

/**
 * Waits for a one-shot watch to fire. A watch lost with its channel counts as fired: the caller
 * decides again, which reads again.
 */
async function awaitWatch(watch: Promise<unknown>): Promise<void> {
  try {
    await watch;
  } catch (error) {
    if (!isIndeterminate(error)) throw error;
  }
}
