import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, inject, it } from "vitest"

const ROOT = path.resolve(__dirname, "../..")
const env = inject("envtest")

interface Ran {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs an example in a process of its own, without blocking this worker (a worker blocked for a
 * minute cannot answer vitest's main process in time: "Timeout calling onTaskUpdate").
 */
const runExample = (file: string, extraEnv: Record<string, string>): Promise<Ran> => {
  const cleanEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("KUBE")) cleanEnv[k] = v
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, file)], {
      cwd: ROOT,
      env: { ...cleanEnv, ...extraEnv }
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
    child.on("error", reject)
    child.on("close", (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
  })
}

const real = () => ({ KUBECONFIG: env.kubeconfigs["admin-cert"] })
const none = () => ({ HOME: fs.mkdtempSync(path.join(os.tmpdir(), "no-kube-")) })

// Every example, against the test bed's apiserver and against the in-memory cluster.
const cases: ReadonlyArray<readonly [string, RegExp]> = [
  ["examples/main.ts", /Namespaces: .*default[\s\S]*Created ConfigMap[\s\S]*Deleted ConfigMap/],
  ["examples/crud.ts", /deleted: true/],
  [
    "examples/apply-yaml.ts",
    /applied Namespace[\s\S]*applied ConfigMap[\s\S]*applied Deployment[\s\S]*deleted Deployment/
  ],
  ["examples/watch.ts", /Init[\s\S]*InitDone[\s\S]*Apply watched-[\s\S]*Delete watched-/],
  ["examples/wait.ts", /is Ready[\s\S]*is deleted/],
  [
    "examples/controller.ts",
    /mirrored [\s\S]*status says 1 copy[\s\S]*repaired drift[\s\S]*status says 2 copies[\s\S]*Events about the mirror: Mirrored by mirror.effect-kube.dev\/controller[\s\S]*finalizer deleted the copies[\s\S]*the lease is released \(holder: ""\)/
  ]
]

describe("examples", () => {
  for (const [file, expected] of cases) {
    it(`${file} against the real apiserver`, async () => {
      const result = await runExample(file, real())
      expect(result.stderr).toBe("")
      expect(result.status).toBe(0)
      expect(result.stdout).toContain(`Using cluster ${env.server}`)
      expect(result.stdout).toMatch(expected)
    })
    it(`${file} against the in-memory cluster`, async () => {
      const result = await runExample(file, none())
      expect(result.stderr).toBe("")
      expect(result.status).toBe(0)
      expect(result.stdout).toContain("No cluster configured: using the in-memory cluster.")
      expect(result.stdout).toMatch(expected)
    })
  }

  it("examples/main.ts shows the real server's version", async () => {
    expect((await runExample("examples/main.ts", real())).stdout).toMatch(/Server version: v1\.20/)
  })

  it("examples/testing.ts: a user's test with the in-memory layer", async () => {
    const result = await runExample("examples/testing.ts", none())
    expect(result.status).toBe(0)
    expect(result.stdout).toContain("ok: scaleTier scaled the front tier only")
  })

  it("examples/tracing.ts: the operations' spans, with k8s.* attributes, on the console exporter", async () => {
    const result = await runExample("examples/tracing.ts", none())
    expect(result.stderr).toBe("")
    expect(result.status).toBe(0)
    expect(result.stdout).toContain("No cluster configured: using the in-memory cluster.")
    // A span as the ConsoleSpanExporter prints it: name, id, kind, ..., then its attributes.
    expect(result.stdout).toMatch(
      /name: 'Client\.create',[^}]*attributes: \{[^}]*'k8s\.verb': 'create',[^}]*'k8s\.kind': 'ConfigMap',[^}]*'k8s\.namespace\.name': 'default'/
    )
    expect(result.stdout).toMatch(
      /name: 'Client\.get',[^}]*attributes: \{[^}]*'k8s\.verb': 'get',[^}]*'k8s\.kind': 'ConfigMap',[^}]*'k8s\.object\.name': 'effect-kube-tracing-[^}]*'http\.response\.status_code': 200/
    )
    // The HTTP span of the get is a child of the Client.get span.
    const getId = /name: 'Client\.get',\s*id: '([0-9a-f]+)'/.exec(result.stdout)?.[1]
    expect(getId).toBeDefined()
    expect(result.stdout).toMatch(
      new RegExp(`parentSpanContext: \\{[^}]*spanId: '${getId}'[^}]*\\},[^}]*name: 'http\\.client GET'`)
    )
    expect(result.stdout).toContain("effect_kube_requests_total{verb=get code=200} 1")
  })

  it("examples/tracing.ts against the real apiserver: the same spans, with the HTTP spans' real status", async () => {
    const result = await runExample("examples/tracing.ts", real())
    expect(result.stderr).toBe("")
    expect(result.status).toBe(0)
    expect(result.stdout).toContain(`Using cluster ${env.server}`)
    expect(result.stdout).toMatch(
      /name: 'Client\.get',[^}]*attributes: \{[^}]*'k8s\.verb': 'get',[^}]*'k8s\.kind': 'ConfigMap',[^}]*'http\.response\.status_code': 200/
    )
    expect(result.stdout).toContain("effect_kube_requests_total{verb=get code=200} 1")
  })

  it("examples/layers.ts against the real apiserver: each part of the layers chosen", async () => {
    const result = await runExample("examples/layers.ts", real())
    expect(result.stderr).toBe("")
    expect(result.status).toBe(0)
    // The server, the namespace and field manager chosen, the server's /version.
    expect(result.stdout).toContain(`${env.server} apps my-controller`)
    expect(result.stdout).toMatch(/gitVersion: 'v1\.20/)
  })

  it("logs, exec and port-forward need containers: on the in-memory cluster they say so", async () => {
    for (const file of ["examples/logs.ts", "examples/exec.ts", "examples/portforward.ts"]) {
      const result = await runExample(file, none())
      expect(result.status).toBe(0)
      expect(result.stdout).toContain("runs no containers")
    }
  })

  it("a broken kubeconfig is a clear error, not a crash", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bad-kube-"))
    fs.writeFileSync(path.join(dir, "config"), "clusters: [\n")
    const result = await runExample("examples/main.ts", { KUBECONFIG: path.join(dir, "config") })
    expect(result.status).toBe(1)
    const output = result.stdout + result.stderr
    expect(output).toContain("MalformedYaml")
    expect(output).toContain(path.join(dir, "config"))
  })
})
