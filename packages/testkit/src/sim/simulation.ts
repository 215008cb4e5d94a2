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
  type Epoch,
  formatZxid,
  type PeerMessage,
  type ProposeResult,
  type Ready,
  type ServerId,
  type StorageWrite,
  serverId,
  type Transition,
  epoch as toEpoch,
  type ZabConfig,
  ZabNode,
} from "@zab/core";
import { type DigestApplied, DigestStateMachine } from "./digest-state-machine.js";
import { EventQueue } from "./event-queue.js";
import { HistoryChecker } from "./invariants.js";
import { SeededRandom } from "./random.js";
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
}

interface Member {
  readonly id: ServerId;
  readonly disk: SimDisk;
  node: ZabNode<DigestApplied> | undefined;
  machine: DigestStateMachine;
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
  | { readonly kind: "action"; readonly run: () => void };

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
  readonly options: Required<Omit<SimulationOptions, "membershipOf" | "zab" | "trace">> &
    Pick<SimulationOptions, "membershipOf" | "zab" | "trace">;
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
  node(id: ServerId): ZabNode<DigestApplied> | undefined {
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
    const membership = this.options.membershipOf?.(id);
    const voters = membership?.voters ?? this.#voterIds;
    const observers = this.#observerIds.filter((observer) => !voters.includes(observer));
    member.node = new ZabNode<DigestApplied>(
      { ...this.options.zab, id, voters, observers },
      member.machine,
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
    for (;;) {
      const next = this.#queue.peekTime();
      if (next === undefined || next > deadline) {
        this.#now = deadline;
        return condition();
      }
      const event = this.#queue.pop();
      assert(event !== undefined, "peeked event exists");
      this.#now = event.at;
      this.#handle(event.value);
      if (condition()) return true;
    }
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

  #notifyClosed(member: ServerId, peer: ServerId): void {
    const target = this.#member(member);
    this.#schedule(this.#now + 1, { kind: "closed", member, peer, incarnation: target.incarnation });
  }

  #handle(event: SimEvent): void {
    if (event.kind !== "action") {
      const target = this.#member(event.kind === "deliver" ? event.delivery.to : event.member);
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
    }
  }

  /** Plays the runtime: executes everything the member's node asked for. */
  #drain(member: Member): void {
    const node = member.node;
    if (node === undefined) return;
    // Proposing a forwarded request produces more effects; the loop ends when none remain.
    while (node.hasReady) this.#execute(member, node, node.ready());
  }

  #execute(member: Member, node: ZabNode<DigestApplied>, ready: Ready<DigestApplied>): void {
    for (const transition of ready.transitions) {
      this.#trace(
        member.id,
        `${transition.role}/${transition.phase} leader=${transition.leader} epoch=${transition.epoch}: ${transition.reason}`,
      );
      this.#recordTransition(member.id, transition);
    }
    for (const applied of ready.applied) this.#recordApplied(member.id, applied);
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
      node.propose(request.payload);
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

  #recordApplied(id: ServerId, applied: Applied<DigestApplied>): void {
    this.checker.applied(id, applied.txn, applied.result);
  }
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
