/**
 * Benchmarks against a real kube-apiserver (a private test-bed instance), each printing its ratio
 * to a baseline measured in the same run:
 *   1. list 5,000 ConfigMaps decoded vs bare https GET + JSON.parse (the limit) and vs client-node;
 *   2. 2,000 watch events received and decoded vs client-node's Watch;
 *   3. 1,000 gets at concurrency 50 vs client-node, with the connections each opened;
 *   4. memory retained streaming a 20,000-object list by chunks of 500 vs decoding it whole.
 *
 *   npm run bench:api        (BENCH_RUNS=5 by default)
 */
import { spawnSync } from "node:child_process"
import * as https from "node:https"
import * as path from "node:path"
import * as k8s from "@kubernetes/client-node"
import { Effect, Fiber, ManagedRuntime, Schema, Stream } from "effect"
import { Client, KubeConfig, Watch } from "../src/index.js"
import * as core from "../src/models/core/v1.js"
import { NodeKube } from "../src/node/index.js"
import { start } from "../test/harness/Envtest.js"
import { median, row, timeRuns } from "./timing.js"

const MemoryResult = Schema.Struct({ peakMiB: Schema.Number, count: Schema.Number })
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const ROOT = path.resolve(import.meta.dirname, "..")

const env = await start({ log: (l) => console.error(l) })
try {
  const kubeconfig = env.kubeconfigs["admin-token"]
  // One runtime for the whole run, as an application holds its layers (connections are reused).
  const runtime = ManagedRuntime.make(NodeKube.layer({ config: KubeConfig.fromFile(kubeconfig) }))
  const run = <A, E>(effect: Effect.Effect<A, E, Client.Requirements>) => runtime.runPromise(effect)

  const kc = new k8s.KubeConfig()
  kc.loadFromFile(kubeconfig)
  const coreApi = kc.makeApiClient(k8s.CoreV1Api)

  const seed = (namespace: string, count: number) =>
    run(
      Effect.gen(function* () {
        yield* Client.create(core.Namespace, {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: namespace }
        })
        yield* Effect.forEach(
          Array.from({ length: count }, (_, i) => i),
          (i) =>
            Client.create(
              core.ConfigMap,
              {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: `cm-${i}`, labels: { bench: "yes", index: String(i % 10) } },
                data: { key: `value-${i}`, more: "x".repeat(100) }
              },
              { namespace }
            ),
          { concurrency: 50, discard: true }
        )
      })
    )

  // 1. list 5,000 ConfigMaps
  console.error("[bench] seeding 5,000 ConfigMaps")
  await seed("list5k", 5000)
  const agent = new https.Agent({ keepAlive: true, ca: env.caData })
  const bare = () =>
    new Promise<number>((resolve, reject) => {
      https
        .get(
          `${env.server}/api/v1/namespaces/list5k/configmaps`,
          { agent, headers: { authorization: `Bearer ${env.adminToken}`, accept: "application/json" } },
          (res) => {
            const chunks: Array<Buffer> = []
            res.on("data", (c: Buffer) => chunks.push(c))
            res.on("end", () => {
              const list: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"))
              resolve(
                typeof list === "object" && list !== null && "items" in list && Array.isArray(list.items)
                  ? list.items.length
                  : 0
              )
            })
          }
        )
        .on("error", reject)
    })
  console.log(`\n1. list 5,000 ConfigMaps, decoded (median of ${RUNS})`)
  const tBare = await timeRuns(bare, RUNS)
  const tOne = await timeRuns(
    () => run(Client.listAll(core.ConfigMap, { namespace: "list5k", chunkSize: 10_000 })),
    RUNS
  )
  const tPaged = await timeRuns(() => run(Client.listAll(core.ConfigMap, { namespace: "list5k" })), RUNS)
  const plain = ManagedRuntime.make(
    NodeKube.layer({
      config: KubeConfig.fromObject({
        clusters: [
          {
            name: "c",
            cluster: {
              server: env.server,
              "certificate-authority-data": Buffer.from(env.caData).toString("base64"),
              "disable-compression": true
            }
          }
        ],
        users: [{ name: "u", user: { token: env.adminToken } }],
        contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
        "current-context": "x"
      })
    })
  )
  const tPlain = await timeRuns(
    () => plain.runPromise(Client.listAll(core.ConfigMap, { namespace: "list5k", chunkSize: 10_000 })),
    RUNS
  )
  await plain.dispose()
  const tNode = await timeRuns(() => coreApi.listNamespacedConfigMap({ namespace: "list5k" }), RUNS)
  row("https GET + JSON.parse (baseline)", tBare, tBare)
  row("effect-kube listAll (one page)", tOne, tBare)
  row("effect-kube listAll (one page, no gzip)", tPlain, tBare)
  row("effect-kube listAll (pages of 500)", tPaged, tBare)
  row("@kubernetes/client-node 1.4 list", tNode, tBare)

  // 2. 2,000 watch events
  console.log("\n2. 2,000 watch events received and decoded (median of 3 alternating rounds)")
  const watchRun = async (client: "effect-kube" | "client-node", round: number) => {
    const ns = `watch-${client === "effect-kube" ? "ek" : "cn"}-${round}`
    await run(Client.create(core.Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }))
    let received = 0
    let done: () => void = () => {}
    const all = new Promise<void>((resolve) => {
      done = resolve
    })
    let stop: () => void = () => {}
    if (client === "effect-kube") {
      const fiber = runtime.runFork(
        Watch.watch(core.ConfigMap, { namespace: ns }).pipe(
          Stream.runForEach(() =>
            Effect.sync(() => {
              if (++received === 2000) done()
            })
          )
        )
      )
      stop = () => {
        runtime.runFork(Fiber.interrupt(fiber))
      }
    } else {
      const controller = await new k8s.Watch(kc).watch(
        `/api/v1/namespaces/${ns}/configmaps`,
        {},
        () => {
          if (++received === 2000) done()
        },
        () => {}
      )
      stop = () => controller.abort()
    }
    await new Promise((r) => setTimeout(r, 300))
    const t = performance.now()
    await seed_into(ns, 2000)
    await all
    const ms = performance.now() - t
    stop()
    return ms
  }
  const seed_into = (namespace: string, count: number) =>
    run(
      Effect.forEach(
        Array.from({ length: count }, (_, i) => i),
        (i) =>
          Client.create(
            core.ConfigMap,
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `w-${i}` } },
            { namespace }
          ),
        { concurrency: 50, discard: true }
      )
    )
  // Alternate the two clients, three rounds each, so that neither gets the warm server alone.
  const ek: Array<number> = []
  const cn: Array<number> = []
  for (let round = 0; round < 3; round++) {
    cn.push(await watchRun("client-node", round))
    ek.push(await watchRun("effect-kube", round))
  }
  const tWatchEk = median(ek)
  const tWatchCn = median(cn)
  row("client-node Watch (baseline)", tWatchCn, tWatchCn)
  row("effect-kube Watch.watch", tWatchEk, tWatchCn)
  console.log("  (writes and events overlap: both are bounded by the apiserver's write rate)")

  // 3. 1,000 gets at concurrency 50, counting connections
  console.log(`\n3. 1,000 gets at concurrency 50 (median of ${RUNS})`)
  const connections = () => {
    const out = spawnSync("ss", ["-Htn", "state", "established", `dst 127.0.0.1:${env.port}`], {
      encoding: "utf8"
    }).stdout
    return out.split("\n").filter((l) => l.trim() !== "").length
  }
  const ekGets = () =>
    run(
      Effect.forEach(
        Array.from({ length: 1000 }, (_, i) => i),
        (i) => Client.get(core.ConfigMap, `cm-${i}`, { namespace: "list5k" }),
        { concurrency: 50, discard: true }
      )
    )
  const cnGets = async () => {
    let next = 0
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < 1000) {
          const i = next++
          await coreApi.readNamespacedConfigMap({ name: `cm-${i}`, namespace: "list5k" })
        }
      })
    )
  }
  const before = connections()
  const tCn = await timeRuns(cnGets, RUNS)
  const afterCn = connections()
  const tEk = await timeRuns(ekGets, RUNS)
  const afterEk = connections()
  row("client-node (baseline)", tCn, tCn)
  row("effect-kube", tEk, tCn)
  console.log(
    `  open connections to the apiserver: before ${before}, after client-node ${afterCn}, after effect-kube ${afterEk}`
  )

  // 4. peak memory, 20,000 objects
  console.error("[bench] seeding 20,000 ConfigMaps")
  await seed("list20k", 20_000)
  console.log(
    "\n4. memory retained after GC, at its peak: 20,000 ConfigMaps streamed by pages of 500 vs listed whole (separate processes)"
  )
  const child = (mode: string) => {
    const out = spawnSync(
      process.execPath,
      ["--import", "tsx", "--expose-gc", path.join(ROOT, "bench/memory-child.ts"), mode, kubeconfig],
      {
        encoding: "utf8",
        cwd: ROOT
      }
    )
    if (out.status !== 0) throw new Error(out.stderr)
    return Schema.decodeUnknownSync(Schema.parseJson(MemoryResult))(out.stdout.trim().split("\n").pop() ?? "")
  }
  const whole = child("whole")
  const streamed = child("stream")
  console.log(
    `  listed whole (baseline)   retained ${whole.peakMiB.toFixed(1)} MiB (${whole.count} objects)  1.00x`
  )
  console.log(
    `  streamed, pages of 500    retained ${streamed.peakMiB.toFixed(1)} MiB (${streamed.count} objects)  ${(streamed.peakMiB / whole.peakMiB).toFixed(2)}x`
  )
  await runtime.dispose()
} finally {
  await env.stop()
}
