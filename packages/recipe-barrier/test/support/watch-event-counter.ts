/**
 * Counts the watch notifications members send to clients, on the wire: a client dialer that
 * decodes every frame a member sends and counts the `watchEvent` messages. Nothing in the recipe
 * knows about it.
 *
 * @module
 */
import { type ClientDialer, decodeMemberToClient } from "@zab/core";

/** A dialer wrapper and the count of watch notifications that crossed its channels. */
export class WatchEventCounter {
  /** Watch notifications received so far, over every channel of every session using the dialer. */
  events = 0;

  /** Wraps `dialer`: channels behave the same, and their watch notifications are counted. */
  wrap(dialer: ClientDialer): ClientDialer {
    return {
      dial: async (member, options) => {
        const channel = await dialer.dial(member, options);
        return {
          send: (frame) => channel.send(frame),
          close: () => channel.close(),
          listen: (listener) =>
            channel.listen({
              frame: (frame) => {
                if (decodeMemberToClient(frame).kind === "watchEvent") this.events += 1;
                listener.frame(frame);
              },
              closed: () => listener.closed(),
            }),
        };
      },
    };
  }
}
