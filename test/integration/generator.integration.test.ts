import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { inject } from "vitest"
import { KubeConfig } from "../../src/index.js"
import { NodeKube } from "../../src/node/index.js"

const ROOT = path.resolve(__dirname, "../..")
const env = inject("envtest")

describe("scripts/generate-models.ts", () => {
  it.live("generates models for the release a cluster runs, from its /openapi/v2", () =>
    Effect.gen(function* () {
      const http = yield* HttpClient.HttpClient
      const spec = yield* Effect.flatMap(http.get("/openapi/v2"), (r) => r.text)
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-kube-gen-"))
      const file = path.join(dir, "swagger.json")
      fs.writeFileSync(file, spec)
      const out = path.join(dir, "models")
      const result = spawnSync(
        process.execPath,
        ["--import", "tsx", "scripts/generate-models.ts", file, "--out", out],
        {
          cwd: ROOT,
          encoding: "utf8"
        }
      )
      expect(result.stderr).toBe("")
      expect(result.status).toBe(0)
      const core = fs.readFileSync(path.join(out, "core/v1.ts"), "utf8")
      expect(core).toContain("export interface Pod {")
      expect(core).toMatch(/export const Pod: \$R\.Resource<Pod, true,/)
      // A group version that 1.35 no longer serves, present in the 1.20 server.
      expect(fs.existsSync(path.join(out, "extensions/v1beta1.ts"))).toBe(true)
      expect(fs.readFileSync(path.join(out, "all.ts"), "utf8")).toContain("core_v1.Pod")
    }).pipe(Effect.provide(NodeKube.layer({ config: KubeConfig.fromFile(env.kubeconfigs["admin-token"]) })))
  )
})
