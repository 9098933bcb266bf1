/**
 * The REST server behind the in-memory cluster, answering as the apiserver does (Status bodies with
 * the same codes and reasons). This facade wires the parts, one concept each:
 *
 * - `kinds.ts` the kinds served, `discovery.ts` their discovery documents;
 * - `store.ts` the objects, the resourceVersion counter and the history of changes;
 * - `watchHub.ts` the open watches, fed by the store's changes;
 * - `router.ts` from method and path to an operation;
 * - `list.ts` selectors and paging, `writes.ts` create and replace, `deletion.ts` deletes (finalizers),
 *   `patchRequest.ts` the PATCH verb (over `patch.ts`), `apply.ts` field ownership and server-side
 *   apply, `subresources.ts` status and scale, `validation.ts` what is checked before a write;
 * - `faults.ts` what a test injects (latency, failures).
 *
 * @internal
 */

import { crdKinds } from "../../kinds/internal/crd.js"
import * as Registry from "../../kinds/Registry.js"
import type { ResourceInfo } from "../../resource/Resource.js"
import { Faults } from "./faults.js"
import { Kinds, namespaces } from "./kinds.js"
import { isObject, type JsonObject, type PatchMeta } from "./patch.js"
import { handle, type Request, type Server } from "./router.js"
import { ServiceAllocator } from "./services.js"
import { hasNamespace, Store } from "./store.js"
import { crdSchemas } from "./structural.js"
import { WatchHub } from "./watchHub.js"
import { put } from "./writes.js"

export type { Request } from "./router.js"

export interface ServerOptions {
  readonly entries: ReadonlyArray<Registry.Entry>
  readonly patchMetadata: PatchMeta
  readonly historyWindow: number
  /** Where Services' cluster IPs and node ports come from (parsed: `services.ts`). */
  readonly serviceRanges: {
    readonly clusterIPs: { readonly first: number; readonly last: number }
    readonly clusterIPRange: string
    readonly nodePorts: { readonly first: number; readonly last: number }
  }
}

/** Removes every object of a custom kind (each a DELETED event), as a CRD's deletion does. */
const removeKind = (store: Store, group: string, plural: string) => {
  const resource = `${group}/${plural}`
  const gone = [...store.scan(resource, `${resource}/`, "")]
  for (const [key, stored] of gone) store.remove(key, stored)
}

/** The manager seeded objects are recorded under (as if the client had created them). */
const SEED_MANAGER = "effect-kube"

export class MemoryServer {
  private readonly server: Server

  constructor(options: ServerOptions) {
    const kinds = new Kinds()
    const store = new Store(options.historyWindow)
    const ranges = options.serviceRanges
    const services = new ServiceAllocator(ranges.clusterIPs, ranges.nodePorts, ranges.clusterIPRange)
    store.listen((event) => services.observe(event))
    this.server = {
      kinds,
      store,
      services,
      hub: new WatchHub(store),
      request: { userAgent: "" },
      faults: new Faults(),
      patchMetadata: options.patchMetadata
    }
    kinds.register(options.entries)
    // As the apiserver: a CustomResourceDefinition written serves its kinds (here at once).
    store.listen((event) => {
      if (event.resource !== "apiextensions.k8s.io/customresourcedefinitions") return
      const spec = event.object.spec
      const names = isObject(spec) ? spec.names : undefined
      const named =
        isObject(spec) &&
        isObject(names) &&
        typeof spec.group === "string" &&
        typeof names.plural === "string"
          ? { group: spec.group, plural: names.plural }
          : undefined
      // The schemas are the CRD's current ones (none once it is deleted).
      if (named !== undefined) kinds.dropSchemas(named.group, named.plural)
      if (event.type === "DELETED") {
        // As the apiserver's CRD cleanup: the kind's objects go, then it is no longer served.
        if (named !== undefined) removeKind(store, named.group, named.plural)
        if (named !== undefined) kinds.unregister(named.group, named.plural)
        return
      }
      kinds.register(crdKinds(event.object).map(Registry.entry))
      if (named !== undefined)
        for (const [version, schema] of crdSchemas(event.object))
          kinds.setSchema(named.group, version, named.plural, schema)
    })
    for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      put(
        this.server,
        namespaces(kinds),
        {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name },
          spec: { finalizers: ["kubernetes"] },
          status: { phase: "Active" }
        },
        undefined,
        "kube-apiserver"
      )
    }
    // As the apiserver: the `kubernetes` Service in `default`, with the range's first address.
    const service = kinds.find("v1", "Service")
    if (service !== undefined)
      put(
        this.server,
        service,
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "kubernetes", labels: { component: "apiserver", provider: "kubernetes" } },
          spec: { ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }] }
        },
        "default",
        "kube-apiserver"
      )
  }

  /** Every request waits this long first. */
  get latencyMs(): number {
    return this.server.faults.latencyMs
  }

  set latencyMs(ms: number) {
    this.server.faults.latencyMs = ms
  }

  register(entries: ReadonlyArray<Registry.Entry>) {
    this.server.kinds.register(entries)
  }

  /** Stores an object as a write would, without the checks (seeding). */
  put(info: ResourceInfo, object: JsonObject, namespace: string | undefined): JsonObject {
    return put(this.server, info, object, namespace, SEED_MANAGER)
  }

  // --- hooks for tests -----------------------------------------------------------------

  objects(): ReadonlyArray<JsonObject> {
    return [...this.server.store.values()].map((s) => s.object)
  }

  resourceVersion(): string {
    return String(this.server.store.version)
  }

  compact() {
    this.server.store.compact()
  }

  dropWatches() {
    this.server.hub.dropAll()
  }

  failNext(count: number, code: number, reason: string) {
    this.server.faults.failNext(count, code, reason)
  }

  hasNamespace(name: string): boolean {
    return hasNamespace(this.server.store, this.server.kinds, name)
  }

  findKind(apiVersion: string, kind: string): ResourceInfo | undefined {
    return this.server.kinds.find(apiVersion, kind)
  }

  // --- HTTP ----------------------------------------------------------------------------

  handle(req: Request): Promise<Response> {
    return handle(this.server, req)
  }
}
