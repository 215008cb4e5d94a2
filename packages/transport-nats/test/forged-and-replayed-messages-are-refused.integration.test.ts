// Goal: a NATS client that can publish on a member's subject but lacks the cluster secret cannot
// get anything delivered: a forged message is dropped and counted, a recorded genuine message
// replayed on its own channel is refused as a repeat (and the channel closes, as with any
// duplicate), and a recorded handshake replayed opens nothing. Method: two members on a real
// nats-server; a third, plain NATS connection records everything on member 2's subject and
// publishes forgeries and replays; member 2's listener and refusal counters are checked.
import { connect, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { type PeerTransportListener, type ServerId, serverId } from "@zab/core";
import { type NatsServerProcess, startNatsServer } from "@zab/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { decodeEnvelope, encodeEnvelope } from "../src/envelope.js";
import { listenPeers } from "../src/index.js";
import { until } from "./helpers/until.js";

let nats: NatsServerProcess;
let spy: NatsConnection;
beforeAll(async () => {
  nats = await startNatsServer();
  spy = await connect({ servers: nats.url });
});
afterAll(async () => {
  await spy?.close();
  await nats?.[Symbol.asyncDispose]();
});

function recorder(): PeerTransportListener & { frames: string[]; closures: ServerId[] } {
  const frames: string[] = [];
  const closures: ServerId[] = [];
  return {
    frames,
    closures,
    frame: (from, frame) => frames.push(`${from}:${new TextDecoder().decode(frame)}`),
    closed: (peer) => closures.push(peer),
  };
}

const settings = {
  cluster: "guarded",
  secret: "the real secret",
  heartbeatIntervalMs: 200,
  peerSilenceMaxMs: 2_000,
};

it("drops and counts a forged message, and refuses a replayed one without delivering it twice", async () => {
  const recorded: Msg[] = [];
  const recording = spy.subscribe("zab.guarded.peer.2", {
    callback: (_error, message) => {
      recorded.push(message);
    },
  });
  await spy.flush();
  await using one = await listenPeers({ ...settings, self: serverId(1), servers: nats.url });
  await using two = await listenPeers({ ...settings, self: serverId(2), servers: nats.url });
  const heardByTwo = recorder();
  one.listen(recorder());
  two.listen(heardByTwo);
  one.send(serverId(2), new TextEncoder().encode("hello"));
  await until("member 2 to hear hello", () => heardByTwo.frames.length === 1);
  expect(heardByTwo.frames).toEqual(["1:hello"]);

  // A forgery: well-formed, claiming member 1, on the live channel id, under a wrong secret.
  const key = { secret: new TextEncoder().encode("the real secret"), cluster: "guarded" };
  const genuine = recorded
    .map((message) => decodeEnvelope(key, message.data))
    .find((envelope) => typeof envelope !== "string" && envelope.kind === "data");
  if (genuine === undefined || typeof genuine === "string") throw new Error("no data message recorded");
  const forged = encodeEnvelope(
    { secret: new TextEncoder().encode("a guess"), cluster: "guarded" },
    { ...genuine, seq: genuine.seq + 1, body: new TextEncoder().encode("forged") },
  );
  spy.publish("zab.guarded.peer.2", forged);
  await until("member 2 to count the forgery", () => two.refusals.forged === 1);
  expect(heardByTwo.closures).toEqual([]);
  one.send(serverId(2), new TextEncoder().encode("still here"));
  await until("member 2 to hear the next frame", () => heardByTwo.frames.length === 2);
  expect(heardByTwo.frames).toEqual(["1:hello", "1:still here"]);

  // A replay of the recorded handshake opens nothing: its confirm finds no accept waiting.
  const handshake = recorded.filter((message) => {
    const envelope = decodeEnvelope(key, message.data);
    return typeof envelope !== "string" && envelope.kind === "confirm";
  });
  expect(handshake).toHaveLength(1);
  for (const message of handshake) spy.publish("zab.guarded.peer.2", message.data);
  await until("member 2 to refuse the replayed confirm", () => two.refusals.misaddressed === 1);
  expect(heardByTwo.closures).toEqual([]);

  // A replay of the genuine data message: refused as a repeat, never delivered again.
  const replay = recorded.find((message) => {
    const envelope = decodeEnvelope(key, message.data);
    return typeof envelope !== "string" && envelope.kind === "data";
  });
  if (replay === undefined) throw new Error("no data message recorded");
  spy.publish("zab.guarded.peer.2", replay.data);
  await until("member 2 to refuse the replay", () => two.refusals.replayed === 1);
  await until("member 2 to close the channel", () => heardByTwo.closures.length === 1);
  expect(heardByTwo.frames).toEqual(["1:hello", "1:still here"]);
  recording.unsubscribe();
});

it("refuses garbage and a message of another cluster that shares the secret", async () => {
  await using two = await listenPeers({ ...settings, self: serverId(2), servers: nats.url });
  const heard = recorder();
  two.listen(heard);
  spy.publish("zab.guarded.peer.2", new Uint8Array([1, 2, 3]));
  const otherCluster = encodeEnvelope(
    { secret: new TextEncoder().encode("the real secret"), cluster: "elsewhere" },
    {
      kind: "open",
      role: "peer",
      flags: 0,
      channelId: new Uint8Array(32).fill(1),
      seq: 0,
      from: "1",
      to: "2",
      body: new Uint8Array(0),
    },
  );
  spy.publish("zab.guarded.peer.2", otherCluster, { reply: "_INBOX.nobody" });
  await until("member 2 to refuse both", () => two.refusals.malformed === 1 && two.refusals.forged === 1);
  expect(heard.frames).toEqual([]);
});
