/**
 * The memory measurement of bench/client.ts, in a process of its own (run with --expose-gc): a
 * store-like fold (a Map by name) of `count` small ConfigMaps listed from the bench server by
 * pages of 500, either as raw parsed objects (`raw`: http.get + JSON.parse, the limit), from
 * `Watch.watcher` (`effect-kube`: its `InitApply` events until `InitDone`), or in a `Store` kept by
 * `Reflector.reflect` (`store`: its objects by key and namespace index). Prints
 * `{"bytesPerObject": ..., "count": ...}`: the heap retained by the store after a full GC, above
 * the heap before the fold, per object.
 *
 *   node --expose-gc --import tsx bench/client-memory-child.ts <server url> raw|effect-kube|store <count>
 */
import * as http from "node:http"
import { Effect, ManagedRuntime, Stream } from "effect"
import { KubeConfig, Reflector, Store, Watch } from "effect-kube"
import * as core from "effect-kube/models/core/v1"
import { NodeKube } from "effect-kube/node"
import { COLLECTION, kubeconfig } from "./client-lib.js"

const [url = "", mode = "raw", countText = "100000"] = process.argv.slice(2)
const count = Number(countText)
const gc = globalThis.gc
if (gc === undefined) throw new Error("run with --expose-gc")

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null
const nameOf = (o: unknown) =>
  isRecord(o) && isRecord(o.metadata) && typeof o.metadata.name === "string" ? o.metadata.name : ""

const agent = new http.Agent({ keepAlive: true })
const get = (pathAndQuery: string) =>
  new Promise<string>((resolve, reject) => {
    http
      .get(`${url}${pathAndQuery}`, { agent }, (res) => {
        res.setEncoding("utf8")
        let body = ""
        res.on("data", (c: string) => {
          body += c
        })
        res.on("end", () => resolve(body))
      })
      .on("error", reject)
  })

const rawFold = async (n: number, store: Map<string, unknown>) => {
  let token = ""
  do {
    const list: unknown = JSON.parse(
      await get(
        `${COLLECTION}?labelSelector=${encodeURIComponent(`size=small,count=${n}`)}&limit=500${token === "" ? "" : `&continue=${token}`}`
      )
    )
    if (!isRecord(list) || !Array.isArray(list.items) || !isRecord(list.metadata))
      throw new Error("not a list")
    for (const item of list.items) store.set(nameOf(item), item)
    token = typeof list.metadata.continue === "string" ? list.metadata.continue : ""
  } while (token !== "")
}

const runtime = ManagedRuntime.make(NodeKube.layer({ config: KubeConfig.fromObject(kubeconfig(url)) }))
const watcherFold = (n: number, store: Map<string, unknown>) =>
  runtime.runPromise(
    Watch.watcher(core.ConfigMap, { namespace: "bench", labels: { size: "small", count: String(n) } }).pipe(
      Stream.takeUntil((e) => e._tag === "InitDone"),
      Stream.runForEach((e) =>
        Effect.sync(() => {
          if (e._tag === "InitApply") store.set(e.object.metadata?.name ?? "", e.object)
        })
      )
    )
  )

// The store holds the objects; the Map holds the store (and counts its objects for the check below).
const storeFold = async (n: number, store: Map<string, unknown>) => {
  const writer = await runtime.runPromise(Store.make<core.ConfigMap>())
  await runtime.runPromise(
    Watch.watcher(core.ConfigMap, { namespace: "bench", labels: { size: "small", count: String(n) } }).pipe(
      Reflector.reflect(writer),
      Stream.takeUntil((e) => e._tag === "InitDone"),
      Stream.runDrain
    )
  )
  const objects = await runtime.runPromise(writer.store.list())
  for (const object of objects) store.set(object.metadata?.name ?? "", writer)
}

const fold = mode === "effect-kube" ? watcherFold : mode === "store" ? storeFold : rawFold
// Warm up (modules, connection, JIT) so that the baseline holds them.
await fold(1000, new Map())
gc()
gc()
const base = process.memoryUsage().heapUsed
const store = new Map<string, unknown>()
await fold(count, store)
gc()
gc()
const retained = process.memoryUsage().heapUsed - base
if (store.size !== count) throw new Error(`the store holds ${store.size} objects, expected ${count}`)
console.log(JSON.stringify({ bytesPerObject: retained / store.size, count: store.size }))
agent.destroy()
await runtime.dispose()
