/**
 * The client-bound benchmarks, shared by bench/client.ts (all of them, three contenders) and
 * scripts/bench-guard.ts (three of them, small, effect-kube against the bare limit): the scripted
 * server (bench/client-server.ts, in a process of its own), the contenders pointed at it, and
 * interleaved timing.
 */
import { spawn } from "node:child_process"
import * as http from "node:http"
import * as path from "node:path"
import * as readline from "node:readline"
import { Writable } from "node:stream"
import type * as k8s from "@kubernetes/client-node"
import { Chunk, Effect, ManagedRuntime, Stream } from "effect"
import { Client, KubeConfig, PodLog, Watch } from "effect-kube"
import * as core from "effect-kube/models/core/v1"
import { NodeKube } from "effect-kube/node"
import { median } from "./timing.js"

export { median }

export const ROOT = path.resolve(import.meta.dirname, "..")

// The benchmarks measure the built package, what users run. Through tsx, `effect-kube` resolves
// to src/ (tsconfig.json's `paths`, there for type-checking) unless tsx is given
// bench/tsconfig.run.json: the npm scripts do so; anything else is refused.
if (!import.meta.resolve("effect-kube").includes("/dist/")) {
  throw new Error(
    "effect-kube resolves to its sources here, not to dist/: run the benchmarks with npm run bench:client or npm run bench:guard"
  )
}
export const COLLECTION = "/api/v1/namespaces/bench/configmaps"

export interface Server {
  readonly url: string
  readonly stop: () => void
}

/** Starts bench/client-server.ts in a child process and waits until it listens. */
export const startServer = (): Promise<Server> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench/client-server.ts")], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "inherit"]
    })
    child.on("error", reject)
    child.on("exit", (code) => reject(new Error(`the bench server exited (${code})`)))
    const lines = readline.createInterface({ input: child.stdout })
    lines.once("line", (line) => {
      const port = Number(/"port":(\d+)/.exec(line)?.[1] ?? "0")
      resolve({
        url: `http://127.0.0.1:${port}`,
        stop: () => {
          child.stdin.end()
          child.kill()
        }
      })
    })
  })

/** A kubeconfig (as an object) for the bench server: plain HTTP, a bearer token. */
export const kubeconfig = (url: string) => ({
  apiVersion: "v1",
  kind: "Config",
  clusters: [{ name: "bench", cluster: { server: url } }],
  users: [{ name: "bench", user: { token: "bench-token" } }],
  contexts: [{ name: "bench", context: { cluster: "bench", user: "bench", namespace: "bench" } }],
  "current-context": "bench"
})

export type Contender = "bare" | "effect-kube" | "client-node"
export const CONTENDERS: ReadonlyArray<Contender> = ["bare", "effect-kube", "client-node"]

/** One benchmark: what it does, and each contender's run (resolving once all of it is done). */
export interface Benchmark {
  readonly name: string
  readonly label: string
  /** What the bare contender does (the limit). */
  readonly bareLabel: string
  readonly runs: Readonly<Record<Contender, () => Promise<unknown>>>
}

/** The clients of one bench process, pointed at the server; `dispose` closes their connections. */
export interface Clients {
  readonly url: string
  readonly agent: http.Agent
  readonly runtime: ManagedRuntime.ManagedRuntime<Client.Requirements, unknown>
  /** client-node's clients, when asked for (its import alone takes a while). */
  readonly clientNode:
    | { readonly coreApi: k8s.CoreV1Api; readonly watch: k8s.Watch; readonly log: k8s.Log }
    | undefined
  readonly dispose: () => Promise<void>
}

export const makeClients = async (
  url: string,
  options: { readonly clientNode: boolean }
): Promise<Clients> => {
  const agent = new http.Agent({ keepAlive: true })
  const runtime = ManagedRuntime.make(NodeKube.layer({ config: KubeConfig.fromObject(kubeconfig(url)) }))
  const clientNode = async () => {
    const k8s = await import("@kubernetes/client-node")
    const kc = new k8s.KubeConfig()
    // skipTLSVerify: client-node refuses plain http:// servers without it.
    kc.loadFromClusterAndUser(
      { name: "bench", server: url, skipTLSVerify: true },
      { name: "bench", token: "t" }
    )
    return { coreApi: kc.makeApiClient(k8s.CoreV1Api), watch: new k8s.Watch(kc), log: new k8s.Log(kc) }
  }
  return {
    url,
    agent,
    runtime,
    clientNode: options.clientNode ? await clientNode() : undefined,
    dispose: async () => {
      agent.destroy()
      await runtime.dispose()
    }
  }
}

const clientNodeOf = (clients: Clients) => {
  if (clients.clientNode === undefined) throw new Error("these clients were made without client-node")
  return clients.clientNode
}

const selector = (size: "small" | "large", count: number) => `size=${size},count=${count}`

const expect = (what: string, got: number, want: number) => {
  if (got !== want) throw new Error(`${what}: got ${got}, expected ${want}`)
  return got
}

/** GET a path with the bare keep-alive agent; the body as text. */
/** Resolves with `check()`'s result, or rejects with what it throws (from an event handler). */
const settle = <A>(resolve: (a: A) => void, reject: (e: unknown) => void, check: () => A) => {
  try {
    resolve(check())
  } catch (e) {
    reject(e)
  }
}

const bareGet = (clients: Clients, pathAndQuery: string) =>
  new Promise<string>((resolve, reject) => {
    http
      .get(
        `${clients.url}${pathAndQuery}`,
        { agent: clients.agent, headers: { accept: "application/json", authorization: "Bearer t" } },
        (res) => {
          res.setEncoding("utf8")
          let body = ""
          res.on("data", (c: string) => {
            body += c
          })
          res.on("end", () => resolve(body))
          res.on("error", reject)
        }
      )
      .on("error", reject)
  })

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/** Bare paging: GET pages of `limit` + JSON.parse each, following `continue`; the items. */
const bareList = async (clients: Clients, size: "small" | "large", count: number, limit: number) => {
  const items: Array<unknown> = []
  let token = ""
  do {
    const list: unknown = JSON.parse(
      await bareGet(
        clients,
        `${COLLECTION}?labelSelector=${encodeURIComponent(selector(size, count))}&limit=${limit}${token === "" ? "" : `&continue=${token}`}`
      )
    )
    if (!isRecord(list) || !Array.isArray(list.items) || !isRecord(list.metadata))
      throw new Error("not a list")
    for (const item of list.items) items.push(item)
    token = typeof list.metadata.continue === "string" ? list.metadata.continue : ""
  } while (token !== "")
  return items
}

/** client-node paging: `listNamespacedConfigMap` with `limit` and `_continue`. */
const clientNodeList = async (clients: Clients, size: "small" | "large", count: number, limit: number) => {
  let n = 0
  let token: string | undefined
  do {
    const list = await clientNodeOf(clients).coreApi.listNamespacedConfigMap({
      namespace: "bench",
      labelSelector: selector(size, count),
      limit,
      ...(token === undefined ? {} : { _continue: token })
    })
    n += list.items.length
    token = list.metadata?._continue
  } while (token !== undefined && token !== "")
  return n
}

/** A pool of `concurrency` workers running `f` over 0..count-1 (bare and client-node gets). */
const pool = async (count: number, concurrency: number, f: (i: number) => Promise<unknown>) => {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await f(next++)
    })
  )
}

/** N watch events: the server sends them all at once, then ends the response. */
export const watchBenchmark = (clients: Clients, size: "small" | "large", count: number): Benchmark => {
  const labelSelector = selector(size, count)
  return {
    name: `watch-${size}`,
    label: `watch: ${count.toLocaleString("en")} events of ~${size === "small" ? "300 B" : "5 KB"}, decoded`,
    bareLabel: "http.get + split lines + JSON.parse",
    runs: {
      bare: () =>
        new Promise<number>((resolve, reject) => {
          http
            .get(
              `${clients.url}${COLLECTION}?watch=true&resourceVersion=1&labelSelector=${encodeURIComponent(labelSelector)}`,
              { agent: clients.agent, headers: { accept: "application/json", authorization: "Bearer t" } },
              (res) => {
                res.setEncoding("utf8")
                let pending = ""
                let n = 0
                res.on("data", (chunk: string) => {
                  const text = pending + chunk
                  let start = 0
                  let end = text.indexOf("\n")
                  while (end !== -1) {
                    const event: unknown = JSON.parse(text.slice(start, end))
                    if (isRecord(event) && event.type === "ADDED" && isRecord(event.object)) n++
                    start = end + 1
                    end = text.indexOf("\n", start)
                  }
                  pending = text.slice(start)
                })
                res.on("end", () => settle(resolve, reject, () => expect("bare watch", n, count)))
                res.on("error", reject)
              }
            )
            .on("error", reject)
        }),
      // Exactly `count` events: the stream ends there, before the watch would reconnect.
      "effect-kube": () =>
        clients.runtime.runPromise(
          Watch.watch(core.ConfigMap, {
            namespace: "bench",
            resourceVersion: "1",
            labels: { size, count: String(count) }
          }).pipe(
            Stream.take(count),
            Stream.runCount,
            Effect.map((n) => expect("effect-kube watch", n, count))
          )
        ),
      "client-node": () =>
        new Promise<number>((resolve, reject) => {
          let n = 0
          clientNodeOf(clients)
            .watch.watch(
              COLLECTION,
              { resourceVersion: "1", labelSelector },
              (type: string) => {
                if (type === "ADDED" && ++n === count) resolve(n)
              },
              (err: unknown) => {
                if (n < count)
                  reject(err instanceof Error ? err : new Error(`client-node watch ended at ${n}`))
              }
            )
            .catch(reject)
        })
    }
  }
}

/**
 * A line splitter as a program without a client would write it: a streaming UTF-8 decoder, the
 * text split at its newlines, the unfinished line kept for the next chunk; each line's length
 * summed (so that every line is looked at), `strip` leaving out its timestamp first.
 */
const lineCounter = (strip: boolean) => {
  const decoder = new TextDecoder()
  let rest = ""
  let lines = 0
  let chars = 0
  return {
    push: (chunk: Uint8Array) => {
      const parts = (rest + decoder.decode(chunk, { stream: true })).split("\n")
      rest = parts.pop() ?? ""
      // Stripped, each line's text is made (a string of its own), as a client hands it over.
      for (const line of parts) chars += strip ? line.slice(line.indexOf(" ") + 1).length : line.length
      lines += parts.length
    },
    /** The lines read (the last one even without a newline). */
    end: () => (chars > 0 ? lines + (rest === "" ? 0 : 1) : 0)
  }
}

/**
 * A pod's log of `count` lines (~75 B each, 5.5 MB for 75,000), read line by line: `plain`;
 * `timestamps` kept; `resume`, a follow with `resume` (effect-kube reads the timestamps, keeps its
 * position, strips them, reads the pod at the end and the log once more from the last position;
 * the others read the timestamped log once and strip them).
 */
export const logBenchmark = (
  clients: Clients,
  count: number,
  mode: "plain" | "timestamps" | "resume"
): Benchmark => {
  const name = `log-${count}`
  const timestamps = mode !== "plain"
  const strip = mode === "resume"
  return {
    name: mode === "plain" ? "log" : `log-${mode}`,
    label:
      mode === "plain"
        ? `pod log: ${count.toLocaleString("en")} lines of ~75 B`
        : mode === "timestamps"
          ? `pod log: the same with timestamps`
          : `pod log: follow + resume (timestamps read, stripped)`,
    bareLabel: `http.get + TextDecoder + split${timestamps ? " (timestamped log)" : ""}`,
    runs: {
      bare: () =>
        new Promise<number>((resolve, reject) => {
          http
            .get(
              `${clients.url}/api/v1/namespaces/bench/pods/${name}/log${timestamps ? "?timestamps=true" : ""}`,
              { agent: clients.agent, headers: { authorization: "Bearer t" } },
              (res) => {
                const lines = lineCounter(strip)
                res.on("data", lines.push)
                res.on("end", () => settle(resolve, reject, () => expect("bare log", lines.end(), count)))
                res.on("error", reject)
              }
            )
            .on("error", reject)
        }),
      "effect-kube": () =>
        clients.runtime.runPromise(
          Effect.suspend(() => {
            let lines = 0
            let chars = 0
            return PodLog.log(name, {
              namespace: "bench",
              ...(mode === "timestamps" ? { timestamps: true } : {}),
              ...(mode === "resume" ? { follow: true, resume: true } : {})
            }).pipe(
              // The work done in the function itself, as bare does it in its `data` handler. (Wrapped
              // in `Effect.sync`, the closure holding the chunk keeps it alive through young GCs in
              // Effect 3's runtime until a full GC: measured, the whole log promoted, ~1.3x the time.)
              // The lines iterated as an array, as bare iterates split's: `Chunk.toReadonlyArray` is
              // the chunk's own array (no copy). (`for…of` over the Chunk itself allocates an
              // iterator result per line: measured, 2.6 ms more on the 75,000 lines, 1.16x -> 1.25x.)
              Stream.runForEachChunk((chunk) => {
                for (const line of Chunk.toReadonlyArray(chunk)) chars += line.length
                lines += chunk.length
                return Effect.void
              }),
              Effect.map(() => expect("effect-kube log", chars > 0 ? lines : 0, count))
            )
          })
        ),
      // client-node pipes the body into a Writable (it splits nothing): this one splits it.
      "client-node": () =>
        new Promise<number>((resolve, reject) => {
          const lines = lineCounter(strip)
          const sink = new Writable({
            write: (chunk: Uint8Array, _encoding, done) => {
              lines.push(chunk)
              done()
            }
          })
          sink.on("finish", () =>
            settle(resolve, reject, () => expect("client-node log", lines.end(), count))
          )
          sink.on("error", reject)
          clientNodeOf(clients)
            .log.log("bench", name, "main", sink, { timestamps, follow: mode === "resume" })
            .catch(reject)
        })
    }
  }
}

/** `count` gets of one ConfigMap each, `concurrency` at a time. */
export const getsBenchmark = (clients: Clients, count: number, concurrency: number): Benchmark => ({
  name: concurrency === 1 ? "get-latency" : "gets",
  label:
    concurrency === 1
      ? `get latency: ${count.toLocaleString("en")} gets one after the other (time per get)`
      : `${count.toLocaleString("en")} gets at concurrency ${concurrency}`,
  bareLabel: "http.get (keep-alive agent) + JSON.parse",
  runs: {
    bare: () =>
      pool(count, concurrency, async (i) => {
        const object: unknown = JSON.parse(await bareGet(clients, `${COLLECTION}/cm-${i}`))
        if (!isRecord(object)) throw new Error("not an object")
      }),
    "effect-kube": () =>
      clients.runtime.runPromise(
        Effect.forEach(
          Array.from({ length: count }, (_, i) => i),
          (i) => Client.get(core.ConfigMap, `cm-${i}`, { namespace: "bench" }),
          { concurrency, discard: true }
        )
      ),
    "client-node": () =>
      pool(count, concurrency, (i) =>
        clientNodeOf(clients).coreApi.readNamespacedConfigMap({ name: `cm-${i}`, namespace: "bench" })
      )
  }
})

/** A list of `count` ConfigMaps, by pages of 500. */
export const listBenchmark = (clients: Clients, count: number): Benchmark => ({
  name: "list",
  label: `listAll: ${count.toLocaleString("en")} ConfigMaps, pages of 500`,
  bareLabel: "http.get pages + JSON.parse",
  runs: {
    bare: async () => expect("bare list", (await bareList(clients, "small", count, 500)).length, count),
    "effect-kube": () =>
      clients.runtime.runPromise(
        Effect.map(
          Client.listAll(core.ConfigMap, {
            namespace: "bench",
            labels: { size: "small", count: String(count) }
          }),
          (list) => expect("effect-kube listAll", list.items.length, count)
        )
      ),
    "client-node": async () =>
      expect("client-node list", await clientNodeList(clients, "small", count, 500), count)
  }
})

/** The watcher's initial list of `count` objects (pages of 500, `InitApply` each) until `InitDone`. */
export const relistBenchmark = (clients: Clients, count: number): Benchmark => ({
  name: "relist",
  label: `watcher relist: ${count.toLocaleString("en")} objects (pages of 500) until InitDone`,
  bareLabel: "http.get pages + JSON.parse",
  runs: {
    bare: async () => expect("bare relist", (await bareList(clients, "small", count, 500)).length, count),
    "effect-kube": () =>
      clients.runtime.runPromise(
        Watch.watcher(core.ConfigMap, {
          namespace: "bench",
          labels: { size: "small", count: String(count) }
        }).pipe(
          Stream.takeUntil((e) => e._tag === "InitDone"),
          Stream.runFold(0, (n, e) => (e._tag === "InitApply" ? n + 1 : n)),
          Effect.map((n) => expect("effect-kube watcher", n, count))
        )
      ),
    // client-node has no watcher of its own (its informer lists the same way): the same pages.
    "client-node": async () =>
      expect("client-node list", await clientNodeList(clients, "small", count, 500), count)
  }
})

/**
 * A minor GC (the young generation only) before each timed run, so that no run pays for the
 * young garbage of the run before it. Not a full GC: a forced full GC slows the next few hundred
 * requests of every contender (measured: 200 sequential gets right after one took 2-2.5x as long,
 * decaying over ~4 runs; after a minor GC, no change), effect-kube's most (V8 state a mark-compact
 * resets; most likely its megamorphic inline caches, which Effect's fiber runtime leans on). A
 * long-running program sees a full GC now and then, not before every 50 ms of work.
 */
const collect = (): void => {
  globalThis.gc?.({ type: "minor" })
}

const WARM_UP_ROUNDS = 3

/** What `measure` found: each contender's median time (ms), and its ratio to bare. */
export interface Measured {
  readonly ms: Partial<Record<Contender, number>>
  /**
   * The median of the contender's ratios to bare round by round (each round's runs follow each
   * other: they share the machine's state of that moment; on a shared VM bare's own time varied
   * 15–30 ms from one run of the log benchmark to the next, which a ratio of medians takes in).
   */
  readonly ratio: Partial<Record<Contender, number>>
}

/**
 * Times the contenders in interleaved rounds (the order rotated each round, so that none always
 * runs first or after the same one); the median of each, in ms, and the median of its ratios to
 * bare round by round (see `Measured`). With `--expose-gc`, a full GC first
 * (no benchmark pays for the old garbage of the one before: measured, the gets ran 1.6x bare alone
 * and 2.6x after the watches), then three warm-up rounds (the state a full GC resets comes back
 * over ~4 runs), and a minor GC before each timed run (see `collect`).
 */
export const measure = async (
  benchmark: Benchmark,
  contenders: ReadonlyArray<Contender>,
  rounds: number
): Promise<Measured> => {
  globalThis.gc?.()
  for (let r = 0; r < WARM_UP_ROUNDS; r++) for (const c of contenders) await benchmark.runs[c]()
  const samples = new Map<Contender, Array<number>>(contenders.map((c) => [c, []]))
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(k + r) % contenders.length]
      if (c === undefined) continue
      collect()
      const t = performance.now()
      await benchmark.runs[c]()
      samples.get(c)?.push(performance.now() - t)
    }
  }
  const bare = samples.get("bare") ?? []
  const ratios = (c: Contender) => (samples.get(c) ?? []).map((t, r) => t / (bare[r] ?? Number.NaN))
  return {
    ms: Object.fromEntries(contenders.map((c) => [c, median(samples.get(c) ?? [])])),
    ratio: Object.fromEntries(contenders.map((c) => [c, median(ratios(c))]))
  }
}
