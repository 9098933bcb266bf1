import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

const SCRIPT = path.resolve(__dirname, "../../scripts/envtest.sh")

const run = (env: Record<string, string>) =>
  spawnSync("bash", [SCRIPT], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), ...env }
  })

describe("scripts/envtest.sh", () => {
  it("uses KUBEBUILDER_ASSETS when it holds both binaries", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "assets-"))
    for (const bin of ["etcd", "kube-apiserver"]) {
      fs.writeFileSync(path.join(dir, bin), "#!/bin/sh\n")
      fs.chmodSync(path.join(dir, bin), 0o755)
    }
    const result = run({ KUBEBUILDER_ASSETS: dir })
    expect(result.status).toBe(0)
    expect(result.stdout.trim()).toBe(dir)
  })

  it("fails with a message naming KUBEBUILDER_ASSETS when nothing can be had", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "empty-"))
    const result = run({ KUBEBUILDER_ASSETS: empty, EFFECT_KUBE_CACHE: empty, EFFECT_KUBE_NO_BUILD: "1" })
    expect(result.status).not.toBe(0)
    expect(result.stdout).toBe("")
    expect(result.stderr).toContain("KUBEBUILDER_ASSETS")
  })
})
