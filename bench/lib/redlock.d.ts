// redlock 5.0.0-beta.2 ships its types at dist/index.d.ts but its exports map names no "types"
// condition, so TypeScript (NodeNext) cannot find them for `import Redlock from "redlock"`. This
// declares the part of its API the lock benchmark uses, as that version defines it.
declare module "redlock" {
  import type { EventEmitter } from "node:events";
  import type { Redis } from "ioredis";

  /** A held lock (redlock's `Lock`). */
  export interface Lock {
    /** When the lock expires, in ms since the epoch. */
    readonly expiration: number;
    release(): Promise<unknown>;
  }

  /** redlock's settings; -1 retries means forever. */
  export interface Settings {
    readonly retryCount?: number;
    readonly retryDelay?: number;
    readonly retryJitter?: number;
  }

  export default class Redlock extends EventEmitter {
    constructor(clients: Iterable<Redis>, settings?: Settings);
    acquire(resources: string[], duration: number): Promise<Lock>;
  }
}
