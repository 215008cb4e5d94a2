/**
 * A deterministic simulation of a whole ensemble in one process, in virtual time.
 *
 * Every member runs the real `ZabNode` from `@zab/core`. The simulation plays the runtime's part:
 * it delivers messages over a {@link SimNetwork}, completes durable writes on a {@link SimDisk}
 * after a simulated fsync delay, ticks each member's clock, and checks the safety properties of
 * ZAB after every step. Every choice comes from one seeded generator, so a run is reproduced
 * exactly from its seed.
 *
 * @module
 */
import {
  type Applied,
  assert,
  type ClientDialer,
  type Clock,
  type Epoch,
  formatZxid,
  type PeerMessage,
  type ProposeResult,
  type Ready,
  resolveZabConfig,
  type ServerId,
  type StorageWrite,
  serverId,
  type Transition,
  epoch as toEpoch,
  type ZabConfig,
  ZabNode,
} from "@zab/core";
import { type ComposedApplied, ComposedStateMachine } from "./composed-state-machine.js";
import { DigestStateMachine } from "./digest-state-machine.js";
import { EventQueue } from "./event-queue.js";
import { HistoryChecker } from "./invariants.js";
import { SeededRandom } from "./random.js";
import type { SimApplication, SimApplicationFactory, SimApplicationHost } from "./sim-application.js";
import { SimClientNetwork } from "./sim-client-network.js";
import { SimDisk } from "./sim-disk.js";
import { type Delivery, SimNetwork } from "./sim-network.js";

/**
 * A range of virtual milliseconds, drawn uniformly per message or write.
 *
 * @since 0.1.0
 */
export interface DelayRange {
  /** The shortest delay. */
  readonly min: number;
  /** The longest delay (inclusive). */
  readonly max: number;
}

/**
 * One member's deliberately wrong view of the membership.
 *
 * @since 0.1.0
 */
export interface MembershipOverride {
  /** The voters this member believes in. */
  readonly voters: readonly ServerId[];
}

/**
 * The shape and fault model of a simulated ensemble.
 *
 * @since 0.1.0
 */
export interface SimulationOptions {
  /** The seed every random choice derives from. */
  readonly seed: number;
  /** Voting members (ids 1..voters). */
  readonly voters: number;
  /** Observers (ids after the voters). Default 0. */
  readonly observers?: number;
  /** Virtual milliseconds per tick. Default 10. */
  readonly tickMs?: number;
  /** One-way message delay range in virtual ms. Default 1 to 4. */
  readonly messageDelayMs?: DelayRange;
  /** Durable write (fsync) delay range in virtual ms. Default 1 to 6. */
  readonly fsyncDelayMs?: DelayRange;
  /** Tick settings for every member. */
  readonly zab?: Omit<ZabConfig, "id" | "voters" | "observers">;
  /**
   * A deliberately broken driver that reports writes durable as soon as it issues them. A crash
   * then loses acknowledged data; the invariants must catch it. Test use only.
   */
  readonly lieAboutFsync?: boolean;
  /** Overrides one member's view of the membership (a deliberately broken variant). Test use only. */
  readonly membershipOf?: (id: ServerId) => MembershipOverride | undefined;
  /** Receives one line per event, for debugging a failing seed. */
  readonly trace?: (line: string) => void;
  /**
   * Runs an application on every member (the Coordination API's session layer, say), rebuilt at
   * every restart. Clients reach it through {@link Simulation.clientDialer}.
   */
  readonly application?: SimApplicationFactory;
}

/** Virtual Unix time at the start of every simulation: 2026-01-01, for znodes' ctime and mtime. */
const WALL_TIME_ORIGIN_MS = Date.UTC(2026, 0, 1);

interface Member {
  readonly id: ServerId;
  readonly disk: SimDisk;
  node: ZabNode<ComposedApplied> | undefined;
  machine: DigestStateMachine;
  application: SimApplication | undefined;
  /** Set while the simulation executes the node's effects, so that a nested submit leaves it to that loop. */
  draining: boolean;
  /** Bumped at every crash and restart; events of an older incarnation are dropped. */
  incarnation: number;
  /** While paused (SIGSTOP), the member's events wait here, in order. */
  paused: SimEvent[] | undefined;
}

type SimEvent =
  | { readonly kind: "deliver"; readonly delivery: Delivery }
  | {
      readonly kind: "closed";
      readonly member: ServerId;
      readonly peer: ServerId;
      readonly incarnation: number;
    }
  | { readonly kind: "tick"; readonly member: ServerId; readonly incarnation: number }
  | { readonly kind: "disk"; readonly member: ServerId; readonly incarnation: number }
  | { readonly kind: "action"; readonly run: () => void }
  | {
      /** Client traffic or a timer on a member's side: held while it is paused, gone with a crash. */
      readonly kind: "atMember";
      readonly member: ServerId;
      readonly incarnation: number;
      readonly run: () => void;
    };

/**
 * When a member established or joined a leadership, for election statistics.
 *
 * @since 0.1.0
 */
export interface LeadershipRecord {
  /** The virtual time the leader established its epoch. */
  readonly at: number;
  /** The leader. */
  readonly leader: ServerId;
  /** The epoch it established. */
  readonly epoch: Epoch;
}

/**
 * A simulated ensemble with a control surface for scenarios and random schedules.
 *
 * @since 0.1.0
 */
export class Simulation {
  /** The options in force, defaults filled in. */
  readonly options: Required<Omit<SimulationOptions, "membershipOf" | "zab" | "trace" | "application">> &
    Pick<SimulationOptions, "membershipOf" | "zab" | "trace" | "application">;
  /** The safety invariants, checked on every applied transaction and role change. */
  readonly checker = new HistoryChecker();
  /** The channels between members, with their partitions. */
  readonly network = new SimNetwork();
  /** Every leadership established, in order. */
  readonly leaderships: LeadershipRecord[] = [];
  readonly #members = new Map<ServerId, Member>();
  readonly #queue = new EventQueue<SimEvent>();
  readonly #random: SeededRandom;
  readonly #networkRandom: SeededRandom;
  readonly #diskRandom: SeededRandom;
  readonly #voterIds: ServerId[];
  readonly #observerIds: ServerId[];
  #now = 0;
  #payloadCounter = 0;
  /** Channel closures a silent partition hid; both ends learn of them when it heals. */
  #hiddenClosures: { readonly member: ServerId; readonly peer: ServerId }[] = [];
  readonly #deliverHooks: ((from: ServerId, to: ServerId, message: PeerMessage) => void)[] = [];
  readonly #durableHooks: ((member: ServerId, write: StorageWrite) => void)[] = [];
  readonly #clientRandom: SeededRandom;
  readonly #clients: SimClientNetwork;
  /** Whether the last event handled ran client code, whose promise callbacks must run next. */
  #clientTurn = false;

  /** @param options - Shape, seed and fault model. */
  constructor(options: SimulationOptions) {
    this.options = {
      observers: 0,
      tickMs: 10,
      messageDelayMs: { min: 1, max: 4 },
      fsyncDelayMs: { min: 1, max: 6 },
      lieAboutFsync: false,
      ...options,
    };
    this.#random = new SeededRandom(options.seed);
    this.#networkRandom = this.#random.fork();
    this.#diskRandom = this.#random.fork();
    // Not forked from the main generator, so that adding clients shifts none of its draws.
    this.#clientRandom = new SeededRandom(options.seed ^ 0x636c6e74);
    this.#clients = new SimClientNetwork({
      now: () => this.#now,
      delay: () => this.#clientRandom.int(this.options.messageDelayMs.min, this.options.messageDelayMs.max),
      atMember: (member, at, run) => this.#atMember(member, at, run),
      atClient: (at, run) => this.#schedule(at, { kind: "action", run }),
      isUp: (member) => this.#member(member).node !== undefined,
      accept: (member, channel) => this.#member(member).application?.accept(channel),
    });
    this.#voterIds = Array.from({ length: options.voters }, (_, i) => serverId(i + 1));
    this.#observerIds = Array.from({ length: this.options.observers }, (_, i) =>
      serverId(options.voters + i + 1),
    );
    for (const id of this.memberIds) {
      this.#members.set(id, {
        id,
        disk: new SimDisk(),
        node: undefined,
        machine: new DigestStateMachine(),
        application: undefined,
        draining: false,
        incarnation: 0,
        paused: undefined,
      });
      this.restart(id);
    }
  }

  /** The virtual time in ms. */
  get now(): number {
    return this.#now;
  }

  /** The generator scenarios draw from, so that they stay reproducible. */
  get random(): SeededRandom {
    return this.#random;
  }

  /** Every member id, voters first. */
  get memberIds(): ServerId[] {
    return [...this.#voterIds, ...this.#observerIds];
  }

  /** The voting member ids. */
  get voterIds(): readonly ServerId[] {
    return this.#voterIds;
  }

  /**
   * The running node of a member.
   *
   * @param id - The member.
   * @returns Its node, or `undefined` while it is crashed.
   */
  node(id: ServerId): ZabNode<ComposedApplied> | undefined {
    return this.#member(id).node;
  }

  /**
   * The simulated disk of a member.
   *
   * @param id - The member.
   * @returns Its disk, which survives crashes.
   */
  disk(id: ServerId): SimDisk {
    return this.#member(id).disk;
  }

  /**
   * The state machine of a member.
   *
   * @param id - The member.
   * @returns Its current digest state machine.
   */
  machine(id: ServerId): DigestStateMachine {
    return this.#member(id).machine;
  }

  /**
   * The application running on a member.
   *
   * @param id - The member.
   * @returns Its application, or `undefined` while it is crashed or when the simulation runs none.
   */
  application(id: ServerId): SimApplication | undefined {
    const member = this.#member(id);
    return member.node === undefined ? undefined : member.application;
  }

  /** The channels between clients and members, with their faults. */
  get clients(): SimClientNetwork {
    return this.#clients;
  }

  /**
   * A dialer for a client of the members' applications, in virtual time.
   *
   * @returns The dialer.
   */
  clientDialer(): ClientDialer {
    return this.#clients.dialer();
  }

  /**
   * A clock for clients: virtual time, timers that fire as simulation events, and random bytes
   * from the seed. Client code runs between events; drive it with {@link Simulation.runAsync}.
   *
   * @returns The clock.
   */
  clientClock(): Clock {
    return this.#virtualClock((at, run) => this.#schedule(at, { kind: "action", run }));
  }

  /** A clock in virtual time whose timers `schedule` turns into simulation events. */
  #virtualClock(schedule: (at: number, run: () => void) => void): Clock {
    return {
      now: () => this.#now,
      wallTime: () => WALL_TIME_ORIGIN_MS + Math.floor(this.#now),
      setTimeout: (callback, delayMs) => {
        const timer = { cancelled: false };
        schedule(this.#now + Math.max(0, Math.ceil(delayMs)), () => {
          if (!timer.cancelled) callback();
        });
        return timer;
      },
      clearTimeout: (handle) => {
        if (typeof handle === "object" && handle !== null && "cancelled" in handle) handle.cancelled = true;
      },
      randomBytes: (length) => this.#clientRandom.bytes(length),
    };
  }

  /** Ids of members that are up. */
  get liveIds(): ServerId[] {
    return this.memberIds.filter((id) => this.#member(id).node !== undefined);
  }

  /**
   * The established leader: a live member leading in broadcast (the highest epoch if several
   * believe so, as an isolated old leader may for a while).
   *
   * @returns Its id, or `undefined` when none.
   */
  leader(): ServerId | undefined {
    let best: { id: ServerId; epoch: number } | undefined;
    for (const id of this.liveIds) {
      const node = this.node(id);
      if (node?.role !== "leading" || node.phase !== "broadcast") continue;
      const epoch = node.epoch ?? 0;
      if (best === undefined || epoch > best.epoch) best = { id, epoch };
    }
    return best?.id;
  }

  /**
   * Whether a leader is broadcasting with a quorum of voters serving under it.
   *
   * @returns `true` when the ensemble can commit.
   */
  hasServingQuorum(): boolean {
    const leader = this.leader();
    if (leader === undefined) return false;
    const serving = this.#voterIds.filter((id) => {
      const node = this.node(id);
      return node?.phase === "broadcast" && node.leader === leader;
    });
    return serving.length >= Math.floor(this.#voterIds.length / 2) + 1;
  }

  /**
   * Crashes a member: its process dies and in-flight writes are lost (a prefix of an in-flight
   * append may survive, as from a partially flushed page cache).
   *
   * @param id - The member.
   */
  crash(id: ServerId): void {
    const member = this.#member(id);
    if (member.node === undefined) return;
    member.node = undefined;
    member.incarnation += 1;
    member.paused = undefined;
    this.#trace(id, "crash");
    const first = member.disk.inFlight[0];
    const kept = first?.write.kind === "append" ? this.#diskRandom.int(0, first.write.txns.length) : 0;
    member.disk.crash(kept);
    member.application = undefined;
    this.#clients.memberDown(id);
    for (const peer of this.memberIds) {
      if (peer === id) continue;
      this.network.breakChannels(id, peer);
      this.#notifyClosed(peer, id);
    }
  }

  /**
   * Starts a crashed member (or the first start) from what its disk holds.
   *
   * @param id - The member.
   */
  restart(id: ServerId): void {
    const member = this.#member(id);
    if (member.node !== undefined) return;
    member.incarnation += 1;
    this.#trace(id, "start");
    member.machine = new DigestStateMachine();
    member.application = this.options.application?.(this.#applicationHost(member));
    const membership = this.options.membershipOf?.(id);
    const voters = membership?.voters ?? this.#voterIds;
    const observers = this.#observerIds.filter((observer) => !voters.includes(observer));
    member.node = new ZabNode<ComposedApplied>(
      { ...this.options.zab, id, voters, observers },
      new ComposedStateMachine(member.machine, member.application?.stateMachine),
      member.disk.restore(),
    );
    // Members' clocks tick out of phase, as real timers do.
    this.#schedule(this.#now + this.#random.int(1, this.options.tickMs), {
      kind: "tick",
      member: id,
      incarnation: member.incarnation,
    });
    this.#drain(member);
  }

  /**
   * Partitions the members into groups that cannot talk to each other (symmetric).
   *
   * @param groups - Disjoint groups; members not listed form one more group.
   * @param options - `silent`: nobody is told the channels broke until the partition heals, as
   *   with a half-open TCP connection; members must notice through their own timeouts.
   */
  partition(groups: readonly (readonly ServerId[])[], options: { readonly silent?: boolean } = {}): void {
    const listed = new Set(groups.flat());
    const all = [...groups, this.memberIds.filter((id) => !listed.has(id))];
    const groupOf = new Map<ServerId, number>();
    all.forEach((group, index) => {
      for (const id of group) groupOf.set(id, index);
    });
    for (const a of this.memberIds) {
      for (const b of this.memberIds) {
        if (a !== b && groupOf.get(a) !== groupOf.get(b)) this.blockOneWay(a, b, options);
      }
    }
  }

  /**
   * Drops everything `from` sends to `to` (a one-way partition); the channel between them
   * breaks, as a TCP connection would.
   *
   * @param from - Sender side.
   * @param to - Receiver side.
   * @param options - `silent`: both ends learn of the break only when the partition heals.
   */
  blockOneWay(from: ServerId, to: ServerId, options: { readonly silent?: boolean } = {}): void {
    if (this.network.isBlocked(from, to)) return;
    this.#trace(from, `link to ${to} blocked${options.silent === true ? " silently" : ""}`);
    this.network.block(from, to);
    if (options.silent === true) {
      this.#hiddenClosures.push({ member: from, peer: to }, { member: to, peer: from });
      return;
    }
    this.#notifyClosed(from, to);
    this.#notifyClosed(to, from);
  }

  /** Heals every partition. */
  heal(): void {
    this.options.trace?.(`${this.#now} heal`);
    this.network.healAll();
    // Closures hidden by a silent partition surface now, before any frame of a new channel.
    for (const { member, peer } of this.#hiddenClosures) this.#notifyClosed(member, peer);
    this.#hiddenClosures = [];
  }

  /**
   * Freezes a member's process (SIGSTOP): it handles nothing — no message, no timer, no disk
   * completion — until {@link Simulation.resume}. The world keeps going.
   *
   * @param id - The member.
   */
  pause(id: ServerId): void {
    const member = this.#member(id);
    if (member.node === undefined || member.paused !== undefined) return;
    this.#trace(id, "paused");
    member.paused = [];
  }

  /**
   * Resumes a paused member (SIGCONT): what happened meanwhile reaches it in order, and its timer
   * fires once, as a coalesced interval timer would.
   *
   * @param id - The member.
   */
  resume(id: ServerId): void {
    const member = this.#member(id);
    const backlog = member.paused;
    if (backlog === undefined) return;
    this.#trace(id, "resumed");
    member.paused = undefined;
    let ticked = false;
    for (const event of backlog) {
      if (event.kind === "tick" && event.incarnation === member.incarnation) {
        // Missed timer intervals coalesce into one.
        if (ticked) continue;
        ticked = true;
      }
      this.#handle(event);
    }
  }

  /**
   * Breaks the channel between two members once; they reconnect on their next message.
   *
   * @param a - One member.
   * @param b - The other.
   */
  breakChannel(a: ServerId, b: ServerId): void {
    this.network.breakChannels(a, b);
    this.#notifyClosed(a, b);
    this.#notifyClosed(b, a);
  }

  /**
   * A client hands a write to a member.
   *
   * @param id - The member the client talks to.
   * @param payload - The write; a fresh unique one when omitted.
   * @returns What the member did with it, or `undefined` when the member is down.
   */
  propose(id: ServerId, payload?: Uint8Array): ProposeResult | undefined {
    const member = this.#member(id);
    const node = member.node;
    if (node === undefined) return undefined;
    const bytes = payload ?? this.nextPayload();
    this.checker.proposed(bytes);
    const result = node.propose(bytes);
    this.#drain(member);
    return result;
  }

  /** @returns A payload no one proposed before. */
  nextPayload(): Uint8Array {
    this.#payloadCounter += 1;
    return new TextEncoder().encode(`p${this.#payloadCounter}`);
  }

  /**
   * Schedules an action at a virtual time.
   *
   * @param at - When.
   * @param run - What to do.
   */
  at(at: number, run: () => void): void {
    this.#schedule(Math.max(at, this.#now), { kind: "action", run });
  }

  /**
   * Runs the simulation for a span of virtual time.
   *
   * @param ms - How long.
   */
  run(ms: number): void {
    this.runUntil(() => false, ms);
  }

  /**
   * Runs until a condition holds (checked after every event) or time runs out.
   *
   * @param condition - The stop condition.
   * @param maxMs - The most virtual time to spend.
   * @returns `true` when the condition held.
   */
  runUntil(condition: () => boolean, maxMs: number): boolean {
    const deadline = this.#now + maxMs;
    if (condition()) return true;
    // Each iteration consumes one event; ticks reschedule themselves, so the deadline bounds it.
    while (this.#step(deadline)) {
      if (condition()) return true;
    }
    return condition();
  }

  /**
   * Runs for a span of virtual time with clients in it: after each event that ran client code,
   * the promise callbacks it queued run before the next event, so that client code written with
   * `async`/`await` moves in virtual time, as deterministically as the rest.
   *
   * @param ms - How long.
   */
  async runAsync(ms: number): Promise<void> {
    await this.runUntilAsync(() => false, ms);
  }

  /**
   * {@link Simulation.runUntil} with clients in the simulation (see {@link Simulation.runAsync}).
   *
   * @param condition - The stop condition, checked after every event.
   * @param maxMs - The most virtual time to spend.
   * @returns `true` when the condition held.
   */
  async runUntilAsync(condition: () => boolean, maxMs: number): Promise<boolean> {
    const deadline = this.#now + maxMs;
    await settleClientCode();
    if (condition()) return true;
    while (this.#step(deadline)) {
      if (this.#clientTurn) await settleClientCode();
      if (condition()) return true;
    }
    return condition();
  }

  /**
   * Handles the next event due by `deadline`.
   *
   * @returns `false`, with the time moved to the deadline, when none is due.
   */
  #step(deadline: number): boolean {
    const next = this.#queue.peekTime();
    if (next === undefined || next > deadline) {
      this.#now = deadline;
      return false;
    }
    const event = this.#queue.pop();
    assert(event !== undefined, "peeked event exists");
    this.#now = event.at;
    this.#clientTurn = event.value.kind === "action";
    this.#handle(event.value);
    return true;
  }

  /**
   * Calls `hook` just before each message is delivered. A scenario uses it to strike at an exact
   * protocol step (crash the receiver, partition, ...); a crashed receiver does not get the message.
   *
   * @param hook - Receives sender, receiver and message.
   */
  onDeliver(hook: (from: ServerId, to: ServerId, message: PeerMessage) => void): void {
    this.#deliverHooks.push(hook);
  }

  /**
   * Calls `hook` when a member's write has reached its disk, before the member learns that it is
   * durable. Crashing the member there models a crash between the write and its acknowledgement.
   *
   * @param hook - Receives the member and the write.
   */
  onDurable(hook: (member: ServerId, write: StorageWrite) => void): void {
    this.#durableHooks.push(hook);
  }

  #trace(id: ServerId, line: string): void {
    this.options.trace?.(`${this.#now} [${id}] ${line}`);
  }

  #member(id: ServerId): Member {
    const member = this.#members.get(id);
    assert(member !== undefined, `no member ${id}`);
    return member;
  }

  #schedule(at: number, event: SimEvent): void {
    this.#queue.push(at, event);
  }

  #atMember(member: ServerId, at: number, run: () => void): void {
    const target = this.#member(member);
    if (target.node === undefined) return;
    this.#schedule(at, { kind: "atMember", member, incarnation: target.incarnation, run });
  }

  #applicationHost(member: Member): SimApplicationHost {
    const incarnation = member.incarnation;
    const alive = () => member.node !== undefined && member.incarnation === incarnation;
    return {
      id: member.id,
      // Its timers are the member's events: held while it is paused, gone with a crash.
      clock: this.#virtualClock((at, run) => this.#atMember(member.id, at, run)),
      tickMs: this.options.tickMs,
      // The sync limit the member runs with (its own membership does not change it).
      syncLimitTicks: resolveZabConfig({ ...this.options.zab, id: member.id, voters: this.#voterIds })
        .syncLimitTicks,
      status: () => {
        const node = member.node;
        return alive() && node !== undefined
          ? { role: node.role, phase: node.phase }
          : { role: "looking", phase: "election" };
      },
      submit: (payload) => {
        const node = member.node;
        if (!alive() || node === undefined) return { kind: "rejected", reason: "notReady" };
        this.checker.proposed(payload);
        const result = node.propose(payload);
        this.#drain(member);
        return result;
      },
      touchSessions: (sessions) => {
        if (!alive()) return;
        member.node?.touchSessions(sessions);
        this.#drain(member);
      },
    };
  }

  #notifyClosed(member: ServerId, peer: ServerId): void {
    const target = this.#member(member);
    this.#schedule(this.#now + 1, { kind: "closed", member, peer, incarnation: target.incarnation });
  }

  #handle(event: SimEvent): void {
    if (event.kind !== "action") {
      const target = this.#member(event.kind === "deliver" ? event.delivery.to : event.member);
      if (event.kind === "atMember" && event.incarnation !== target.incarnation) return;
      if (target.paused !== undefined) {
        target.paused.push(event);
        return;
      }
    }
    switch (event.kind) {
      case "deliver": {
        const { delivery } = event;
        const member = this.#member(delivery.to);
        if (member.node === undefined || !this.network.isCurrent(delivery)) return;
        for (const hook of this.#deliverHooks) hook(delivery.from, delivery.to, delivery.message);
        // A hook may have crashed the receiver or broken the channel.
        if (member.node === undefined || !this.network.isCurrent(delivery)) return;
        this.#trace(delivery.to, `<- ${delivery.from} ${describe(delivery.message)}`);
        member.node.receive(delivery.from, delivery.message);
        this.#drain(member);
        return;
      }
      case "closed": {
        const member = this.#member(event.member);
        if (member.node === undefined || member.incarnation !== event.incarnation) return;
        this.#trace(event.member, `channel to ${event.peer} closed`);
        member.node.channelClosed(event.peer);
        this.#drain(member);
        return;
      }
      case "tick": {
        const member = this.#member(event.member);
        if (member.node === undefined || member.incarnation !== event.incarnation) return;
        member.node.tick();
        this.#drain(member);
        member.application?.tick();
        this.#drain(member);
        this.#schedule(this.#now + this.options.tickMs, event);
        return;
      }
      case "disk": {
        const member = this.#member(event.member);
        if (member.node === undefined || member.incarnation !== event.incarnation) return;
        const completed = member.disk.completeDue(this.#now, (write) => {
          for (const hook of this.#durableHooks) hook(member.id, write);
        });
        // A hook may have crashed the member before it learned of the write.
        if (member.node === undefined || member.incarnation !== event.incarnation) return;
        if (completed !== undefined && !this.options.lieAboutFsync) {
          member.node.persisted(completed);
          this.#drain(member);
        }
        return;
      }
      case "action":
        event.run();
        return;
      case "atMember": {
        const member = this.#member(event.member);
        if (member.node === undefined || member.incarnation !== event.incarnation) return;
        event.run();
        this.#drain(member);
        return;
      }
    }
  }

  /** Plays the runtime: executes everything the member's node asked for. */
  #drain(member: Member): void {
    const node = member.node;
    if (node === undefined || member.draining) return;
    member.draining = true;
    try {
      // Proposing a forwarded request produces more effects; the loop ends when none remain.
      while (node.hasReady && member.node === node) this.#execute(member, node, node.ready());
    } finally {
      member.draining = false;
    }
  }

  #execute(member: Member, node: ZabNode<ComposedApplied>, ready: Ready<ComposedApplied>): void {
    const hooks = member.application?.hooks;
    for (const transition of ready.transitions) {
      this.#trace(
        member.id,
        `${transition.role}/${transition.phase} leader=${transition.leader} epoch=${transition.epoch}: ${transition.reason}`,
      );
      this.#recordTransition(member.id, transition);
      hooks?.transition?.(transition);
    }
    for (const applied of ready.applied) this.#recordApplied(member.id, applied);
    for (const mismatch of ready.digestMismatches) this.checker.digestMismatch(member.id, mismatch);
    if (hooks?.applied !== undefined && ready.applied.length > 0) {
      hooks.applied(ready.applied.map(({ txn, result }) => ({ txn, result: result.application })));
    }
    if (hooks?.touchedSessions !== undefined && ready.touchedSessions.length > 0) {
      hooks.touchedSessions(ready.touchedSessions);
    }
    for (const numbered of ready.writes) {
      const delay = this.#diskRandom.int(this.options.fsyncDelayMs.min, this.options.fsyncDelayMs.max);
      member.disk.issue(numbered, this.#now + delay);
      const completesAt = member.disk.inFlight.at(-1)?.completesAt ?? this.#now;
      this.#schedule(completesAt, { kind: "disk", member: member.id, incarnation: member.incarnation });
    }
    if (this.options.lieAboutFsync && ready.writes.length > 0) {
      const last = ready.writes.at(-1);
      if (last !== undefined) node.persisted(last.id);
    }
    for (const { to, message } of ready.messages) this.#send(member.id, to, message);
    for (const { peer, reason } of ready.disconnect) {
      this.#trace(member.id, `disconnect ${peer}: ${reason}`);
      this.breakChannel(member.id, peer);
    }
    for (const request of ready.requests) {
      const prepare = hooks?.prepareForwarded;
      const payload = prepare === undefined ? request.payload : prepare(request.payload, request.from);
      if (payload === undefined) continue;
      if (prepare !== undefined) this.checker.proposed(payload);
      node.propose(payload);
    }
  }

  #send(from: ServerId, to: ServerId, message: PeerMessage): void {
    const delay = this.#networkRandom.int(this.options.messageDelayMs.min, this.options.messageDelayMs.max);
    const delivery = this.network.send(from, to, message, this.#now + delay);
    if (delivery !== undefined) this.#schedule(delivery.at, { kind: "deliver", delivery });
  }

  #recordTransition(id: ServerId, transition: Transition): void {
    this.checker.transition(id, transition);
    if (transition.role === "leading" && transition.phase === "broadcast" && transition.epoch !== undefined) {
      this.leaderships.push({ at: this.#now, leader: id, epoch: toEpoch(transition.epoch) });
    }
  }

  #recordApplied(id: ServerId, applied: Applied<ComposedApplied>): void {
    this.checker.applied(id, applied.txn, applied.result);
  }
}

/**
 * Lets the promise callbacks queued by client code run: a macrotask turn starts only once the
 * microtask queue is empty.
 */
function settleClientCode(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One line per message, for traces. */
function describe(message: PeerMessage): string {
  switch (message.kind) {
    case "notification":
      return `vote(${message.leader}, ${formatZxid(message.zxid)}, e${message.peerEpoch}, r${message.round}, ${message.state})`;
    case "proposal":
    case "inform":
      return `${message.kind}(${formatZxid(message.txn.zxid)})`;
    case "ack":
    case "commit":
      return `${message.kind}(${formatZxid(message.zxid)})`;
    case "followerInfo":
      return `followerInfo(${message.role}, accepted e${message.acceptedEpoch}, ${formatZxid(message.lastZxid)})`;
    case "leaderInfo":
      return `leaderInfo(e${message.newEpoch})`;
    case "ackEpoch":
      return `ackEpoch(current e${message.currentEpoch}, ${formatZxid(message.lastZxid)})`;
    case "trunc":
      return `trunc(${formatZxid(message.truncZxid)})`;
    case "diff":
      return `diff(${formatZxid(message.lastZxid)})`;
    case "snap":
      return `snap(${formatZxid(message.zxid)})`;
    case "newLeader":
    case "ackNewLeader":
      return `${message.kind}(e${message.epoch})`;
    default:
      return message.kind;
  }
}
