import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, inject, it } from "vitest"

const ROOT = path.resolve(__dirname, "../..")
const env = inject("envtest")

const runExample = (file: string, extraEnv: Record<string, string>) => {
  const cleanEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("KUBE")) cleanEnv[k] = v
  }
  return spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, file)], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...cleanEnv, ...extraEnv }
  })
}

describe("examples/main.ts", () => {
  it("runs against the cluster of KUBECONFIG", () => {
    const result = runExample("examples/main.ts", { KUBECONFIG: env.kubeconfigs["admin-cert"] })
    expect(result.stderr).toBe("")
    expect(result.status).toBe(0)
    expect(result.stdout).toContain(`Using cluster ${env.server}`)
    expect(result.stdout).toMatch(/Server version: v1\.20/)
    expect(result.stdout).toMatch(/Namespaces: .*default/)
  })

  it("runs against the embedded demo cluster when none is configured", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "no-kube-"))
    const result = runExample("examples/main.ts", { HOME: home })
    expect(result.status).toBe(0)
    expect(result.stdout).toContain("No cluster configured")
    expect(result.stdout).toContain("Namespaces: default")
  })

  it("a broken kubeconfig is a clear error, not a crash", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bad-kube-"))
    fs.writeFileSync(path.join(dir, "config"), "clusters: [\n")
    const result = runExample("examples/main.ts", { KUBECONFIG: path.join(dir, "config") })
    expect(result.status).toBe(1)
    const output = result.stdout + result.stderr
    expect(output).toContain("MalformedYaml")
    expect(output).toContain(path.join(dir, "config"))
  })
})

describe("examples of the verbs, against the test bed", () => {
  for (const [file, expected] of [
    ["examples/crud.ts", /deleted: true/],
    [
      "examples/apply-yaml.ts",
      /applied Namespace[\s\S]*applied ConfigMap[\s\S]*applied Deployment[\s\S]*deleted Deployment/
    ],
    ["examples/watch.ts", /Init[\s\S]*InitDone[\s\S]*Apply watched-[\s\S]*Delete watched-/],
    ["examples/wait.ts", /is Ready[\s\S]*is deleted/]
  ] as const) {
    it(file, () => {
      const result = runExample(file, { KUBECONFIG: env.kubeconfigs["admin-cert"] })
      expect(result.stderr).toBe("")
      expect(result.status).toBe(0)
      expect(result.stdout).toMatch(expected)
    })
  }

  it("without a cluster they say so and stop", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "no-kube-"))
    const result = runExample("examples/crud.ts", { HOME: home })
    expect(result.status).toBe(0)
    expect(result.stdout).toContain("No cluster configured")
  })
})
