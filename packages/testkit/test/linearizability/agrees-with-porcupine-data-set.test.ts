// Goal: the checker decides real histories that nobody here wrote exactly as the reference
// checker (Porcupine) does, and fast enough to use: Jepsen's etcd compare-and-set register logs
// and Porcupine's key-value histories, including the large 50-client ones. Method: parse every
// file listed in shared/data/linearizability/expected.json with the parser for its folder,
// check it with a generous budget (so a slow search shows up as a failed time bound, not as an
// "unknown"), and compare the verdict; also require that expected.json and the folders list the
// same files, so no file goes unchecked.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkLinearizability } from "../../src/linearizability/check-linearizability.js";
import { kvModel } from "../../src/linearizability/kv-model.js";
import { parseEtcdHistory } from "../../src/linearizability/parse-etcd-history.js";
import { parseKvHistory } from "../../src/linearizability/parse-kv-history.js";
import { registerModel } from "../../src/linearizability/register-model.js";

// The repository sits at main/ with shared/ beside it, locally and in CI.
const dataDirectory = new URL("../../../../../shared/data/linearizability/", import.meta.url);
/** Each file must be decided within this, on a 2-core CI machine (the slowest takes ~0.2 s). */
const perFileMs = 5_000;

if (!existsSync(new URL("expected.json", dataDirectory))) {
  throw new Error(
    `linearizability data set missing: expected ${fileURLToPath(dataDirectory)}expected.json ` +
      "(the shared/ folder must sit beside the repository)",
  );
}

const expected = JSON.parse(readFileSync(new URL("expected.json", dataDirectory), "utf8")) as Record<
  string,
  boolean
>;

function check(file: string) {
  const text = readFileSync(new URL(file, dataDirectory), "utf8");
  const options = { timeoutMs: 30_000 };
  if (file.startsWith("etcd/")) return checkLinearizability(registerModel, parseEtcdHistory(text), options);
  if (file.startsWith("kv/")) return checkLinearizability(kvModel, parseKvHistory(text), options);
  throw new Error(`no parser for ${file}`);
}

describe("the Porcupine data set", () => {
  it("lists every history file in expected.json", () => {
    const files = ["etcd", "kv"].flatMap((folder) =>
      readdirSync(new URL(`${folder}/`, dataDirectory)).map((name) => `${folder}/${name}`),
    );
    expect(files.sort()).toEqual(Object.keys(expected).sort());
    expect(files.length).toBeGreaterThan(50);
  });

  it.each(Object.entries(expected))("decides %s as expected (linearizable: %s)", (file, linearizable) => {
    const started = performance.now();
    const result = check(file);
    const elapsedMs = performance.now() - started;
    expect(result.verdict).toBe(linearizable ? "linearizable" : "not-linearizable");
    expect(elapsedMs).toBeLessThan(perFileMs);
  });
});
