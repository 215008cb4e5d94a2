/**
 * The start-up rule for epoch files, shared by the file store and its memory twin.
 *
 * The rule (also stated on {@link EpochStore} and in docs/architecture/durability.md), per file:
 *
 * 1. A leftover `<name>.tmp` that parses: the epoch is max(file, tmp); the file is rewritten
 *    crash-safely with it and the tmp removed (ZOOKEEPER-4269). A tmp that does not parse is
 *    torn: removed, and the file is used.
 * 2. A file that exists but does not parse: refuse to start ("Corrupt"), never default to 0.
 * 3. A missing file: 0 for a brand-new member (no log record, no snapshot), written at once;
 *    otherwise refuse to start ("Corrupt").
 * 4. Then `acceptedEpoch < currentEpoch`: refuse to start ("Corrupt").
 *
 * Everything is checked before anything is repaired, so a refused start changes nothing.
 *
 * @internal
 * @module
 */
import { ZabError } from "../errors.js";
import type { RecoveryEvent } from "../ports/storage.js";
import { type Epoch, UINT32_MAX } from "../protocol/ids.js";
import { TMP_SUFFIX } from "./file-names.js";

/**
 * The two epoch files.
 *
 * @internal
 */
export type EpochName = "acceptedEpoch" | "currentEpoch";

/**
 * Both epoch names, in the order they are written.
 *
 * @internal
 */
export const EPOCH_NAMES: readonly EpochName[] = ["acceptedEpoch", "currentEpoch"];

const EPOCH_TEXT = /^(0|[1-9][0-9]{0,9})\n?$/;

/**
 * Parses an epoch file's text: a decimal integer from 0 to 2^32 - 1, optionally followed by one
 * newline, nothing else.
 *
 * @param text - The file's content.
 * @returns The epoch, or `undefined` when the text is not one.
 * @internal
 */
export function parseEpochText(text: string): Epoch | undefined {
  const digits = EPOCH_TEXT.exec(text)?.[1];
  if (digits === undefined) return undefined;
  const value = Number(digits);
  return value <= UINT32_MAX ? (value as Epoch) : undefined;
}

/**
 * Formats an epoch as an epoch file's text.
 *
 * @param epoch - The epoch.
 * @returns Decimal text and a newline, as ZooKeeper writes it.
 * @internal
 */
export function formatEpochText(epoch: Epoch): string {
  return `${epoch}\n`;
}

/**
 * What is stored for one epoch: the file's and the leftover tmp's text, `undefined` when absent.
 *
 * @internal
 */
export interface EpochFileContent {
  readonly text: string | undefined;
  readonly tmpText: string | undefined;
}

/**
 * One repair of an epoch file. `write` replaces the file crash-safely through `<name>.tmp`, which
 * also disposes of a leftover tmp; `removeTmp` removes a leftover tmp without writing.
 *
 * @internal
 */
export interface EpochRepair {
  readonly name: EpochName;
  readonly write: Epoch | undefined;
  readonly removeTmp: boolean;
}

/**
 * The outcome of the rule: both epochs, and the repairs to apply in order.
 *
 * @internal
 */
export interface EpochResolution {
  readonly acceptedEpoch: Epoch;
  readonly currentEpoch: Epoch;
  readonly repairs: readonly EpochRepair[];
  readonly events: readonly RecoveryEvent[];
}

/**
 * Applies the epoch rule to what is stored.
 *
 * @param input - The content of both files, whether the member has history (any log record or
 *   snapshot), and `fileOf`, which names a file for messages (its path).
 * @returns The epochs and the repairs to make.
 * @throws {@link ZabError} with code `"Corrupt"` naming the file, by rules 2, 3 and 4.
 * @internal
 */
export function resolveEpochs(input: {
  readonly acceptedEpoch: EpochFileContent;
  readonly currentEpoch: EpochFileContent;
  readonly hasHistory: boolean;
  readonly fileOf: (name: string) => string;
}): EpochResolution {
  const repairs: EpochRepair[] = [];
  const events: RecoveryEvent[] = [];
  const resolve = (name: EpochName): Epoch => {
    const file = input.fileOf(name);
    const { text, tmpText } = input[name];
    const fileValue = text === undefined ? undefined : parseEpochText(text);
    if (text !== undefined && fileValue === undefined) {
      throw new ZabError(
        "Corrupt",
        `epoch file ${file} does not hold an epoch (a decimal integer from 0 to 2^32-1): ${JSON.stringify(text.slice(0, 40))}; refusing to start rather than guess`,
        { path: file },
      );
    }
    const tmpValue = tmpText === undefined ? undefined : parseEpochText(tmpText);
    if (tmpValue !== undefined) {
      const value = fileValue === undefined || tmpValue > fileValue ? tmpValue : fileValue;
      repairs.push({ name, write: value === fileValue ? undefined : value, removeTmp: value === fileValue });
      events.push({ kind: "epochTmpApplied", file, fileValue, tmpValue, value });
      return value;
    }
    if (tmpText !== undefined) {
      repairs.push({ name, write: undefined, removeTmp: true });
      events.push({ kind: "epochTmpDiscarded", file: input.fileOf(name + TMP_SUFFIX) });
    }
    if (fileValue !== undefined) return fileValue;
    if (input.hasHistory) {
      throw new ZabError(
        "Corrupt",
        `epoch file ${file} is missing but the data directory holds log records or snapshots; refusing to start with a default of 0`,
        { path: file },
      );
    }
    repairs.push({ name, write: 0 as Epoch, removeTmp: false });
    events.push({ kind: "epochInitialized", file });
    return 0 as Epoch;
  };
  const acceptedEpoch = resolve("acceptedEpoch");
  const currentEpoch = resolve("currentEpoch");
  if (acceptedEpoch < currentEpoch) {
    const file = input.fileOf("currentEpoch");
    throw new ZabError(
      "Corrupt",
      `currentEpoch ${currentEpoch} (${file}) is above acceptedEpoch ${acceptedEpoch} (${input.fileOf("acceptedEpoch")}); a member never sets currentEpoch to an epoch it has not accepted`,
      { path: file },
    );
  }
  return { acceptedEpoch, currentEpoch, repairs, events };
}
