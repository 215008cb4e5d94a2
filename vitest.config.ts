import { readdirSync } from "node:fs";
import { defineConfig } from "vitest/config";

// One vitest project per package, each running its own test/ folder. Packages resolve one
// another through the "@zab/source" export condition, so tests run against src/ with no build.
const packages = readdirSync(new URL("./packages", import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const conditions = ["@zab/source", "node", "import", "default"];

export default defineConfig({
  test: {
    reporters: ["default", "./scripts/summary-reporter.ts"],
    projects: packages.map((name) => ({
      resolve: { conditions },
      ssr: { resolve: { conditions } },
      test: {
        name,
        root: `packages/${name}`,
        include: ["test/**/*.test.ts"],
        passWithNoTests: true,
        testTimeout: 30_000,
        hookTimeout: 30_000,
      },
    })),
  },
});
