/**
 * An in-memory Kubernetes API served as an `HttpClient` layer (with a matching `KubeConfig` and
 * `KubeWebSocket`), so that the whole client stack (request building, encoding, decoding, watch
 * parsing, errors) runs unchanged against it: the mock layer to test code built on effect-kube,
 * and the embedded default of the examples. Anchor: client-go's fake clientset, but speaking the
 * real REST protocol (the contract suite runs the same tests against it and the real apiserver).
 *
 * @since 0.1.0
 */
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { Context, Duration, Effect, Layer, Option } from "effect"
import * as ClientDefaults from "../client/ClientDefaults.js"
import { ConfigError } from "../config/ConfigError.js"
import { KubeConfig } from "../config/KubeConfig.js"
import * as KubeHttpClient from "../http/KubeHttpClient.js"
import { KubeWebSocket, WebSocketError } from "../http/KubeWebSocket.js"
import * as Builtin from "../kinds/Builtin.js"
import * as Codec from "../kinds/Codec.js"
import * as Registry from "../kinds/Registry.js"
import { patchMetadata } from "../models/all.js"
import type * as Resource from "../resource/Resource.js"
import { MemoryServer } from "./internal/memoryServer.js"
import { isObject, toJson } from "./internal/patch.js"
import { parsePorts, parseRange } from "./internal/services.js"

/**
 * Inspecting and steering the in-memory cluster from a test.
 *
 * @since 0.1.0
 * @category models
 */
export interface Cluster {
  /** Every stored object. */
  readonly objects: Effect.Effect<ReadonlyArray<Resource.GenericObject>>
  /** One object, if stored. */
  readonly get: (
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string
  ) => Effect.Effect<Option.Option<Resource.GenericObject>>
  /** Stores objects as they are (namespaces created on demand; no validation). */
  readonly seed: (objects: ReadonlyArray<Resource.KubeObject>) => Effect.Effect<void>
  /** Stores the objects of a YAML (or JSON) manifest. */
  readonly seedYaml: (text: string) => Effect.Effect<void, Codec.ManifestError>
  /** Serves more kinds (custom resources). */
  readonly register: (entries: ReadonlyArray<Registry.Entry>) => Effect.Effect<void>
  /** The current resourceVersion. */
  readonly resourceVersion: Effect.Effect<string>
  /** Forgets the history: watches and continue tokens from before get 410. */
  readonly compact: Effect.Effect<void>
  /** Cuts every open watch connection (as a network failure). */
  readonly dropWatches: Effect.Effect<void>
  /** The next `count` requests answer this error Status (e.g. 503 ServiceUnavailable, 429 TooManyRequests). */
  readonly failNext: (count: number, code: number, reason: string) => Effect.Effect<void>
  /** Every request waits this long first. */
  readonly setLatency: (latency: Duration.DurationInput) => Effect.Effect<void>
}

/**
 * The `InMemoryCluster` tag: the handle of the cluster behind the layer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { InMemoryCluster } from "effect-kube/testing"
 *
 * const count = Effect.flatMap(InMemoryCluster.InMemoryCluster, (c) => c.objects).pipe(Effect.map((o) => o.length))
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class InMemoryCluster extends Context.Tag("effect-kube/InMemoryCluster")<InMemoryCluster, Cluster>() {}

/**
 * Options of {@link layer}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Custom kinds to serve beside the built-in ones. */
  readonly resources?: ReadonlyArray<Registry.Entry> | undefined
  /** Objects to start with. */
  readonly objects?: ReadonlyArray<Resource.KubeObject> | undefined
  /** A manifest to start with. */
  readonly yaml?: string | undefined
  /** The KubeConfig's namespace. Default: `default`. */
  readonly namespace?: string | undefined
  /** Watch events kept; versions older than the window get 410 Gone. Default: 1000. */
  readonly historyWindow?: number | undefined
  /** Client-wide defaults of the KubeConfig. */
  readonly fieldManager?: string | undefined
  readonly dryRun?: boolean | undefined
  /**
   * The IPv4 CIDR Services' cluster IPs are allocated from (the apiserver's
   * `--service-cluster-ip-range`). Default: `10.96.0.0/12`.
   */
  readonly serviceClusterIPRange?: string | undefined
  /** The node ports of NodePort Services (`--service-node-port-range`). Default: `30000-32767`. */
  readonly serviceNodePortRange?: string | undefined
}

/** The Service ranges of the options, or the ConfigError that names the bad one. */
const serviceRanges = (options: Options) => {
  const clusterIPRange = options.serviceClusterIPRange ?? "10.96.0.0/12"
  const clusterIPs = parseRange(clusterIPRange)
  const nodePorts = parsePorts(options.serviceNodePortRange ?? "30000-32767")
  if (typeof clusterIPs === "string")
    return Effect.fail(
      new ConfigError({ reason: "InvalidConfig", detail: `serviceClusterIPRange: ${clusterIPs}` })
    )
  if (typeof nodePorts === "string")
    return Effect.fail(
      new ConfigError({ reason: "InvalidConfig", detail: `serviceNodePortRange: ${nodePorts}` })
    )
  return Effect.succeed({ clusterIPs, clusterIPRange, nodePorts })
}

/** The server URL of the in-memory cluster's KubeConfig. */
const SERVER = "http://in-memory.effect-kube.invalid"

const toGeneric = (object: unknown): Resource.GenericObject | undefined => {
  if (!isObject(object) || typeof object.apiVersion !== "string" || typeof object.kind !== "string")
    return undefined
  return { ...object, apiVersion: object.apiVersion, kind: object.kind }
}

const seedInto = (server: MemoryServer, objects: ReadonlyArray<Resource.KubeObject>) => {
  for (const o of objects) {
    const info = server.findKind(o.apiVersion, o.kind)
    if (info === undefined) continue
    const namespace = info.namespaced ? (o.metadata?.namespace ?? "default") : undefined
    if (namespace !== undefined && !server.hasNamespace(namespace)) {
      const nsInfo = server.findKind("v1", "Namespace")
      if (nsInfo !== undefined)
        server.put(
          nsInfo,
          { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace }, status: { phase: "Active" } },
          undefined
        )
    }
    const json = toJson(o)
    if (isObject(json)) server.put(info, json, namespace)
  }
}

/**
 * The in-memory cluster: `KubeConfig`, `HttpClient` (the real request pipeline over an in-memory
 * transport), `KubeWebSocket` (exec, attach and port-forward are not served: they fail with a WebSocketError), and the
 * `InMemoryCluster` handle.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-kube"
 * import { InMemoryCluster } from "effect-kube/testing"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const test = Client.get(ConfigMap, "settings").pipe(
 *   Effect.provide(InMemoryCluster.layer({ yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<
  InMemoryCluster | KubeConfig | HttpClient.HttpClient | KubeWebSocket,
  Codec.ManifestError | ConfigError
> =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const builtin = yield* Builtin.registry
      const server = new MemoryServer({
        entries: [...builtin.entries.values(), ...(options.resources ?? [])],
        patchMetadata,
        historyWindow: options.historyWindow ?? 1000,
        serviceRanges: yield* serviceRanges(options)
      })
      const registry = Registry.add(builtin, options.resources ?? [])
      if (options.objects !== undefined) seedInto(server, options.objects)
      if (options.yaml !== undefined) seedInto(server, yield* Codec.loadAll(options.yaml, { registry }))

      const transport = HttpClient.make((request, url, signal) =>
        Effect.promise(async () => {
          const body =
            request.body._tag === "Uint8Array"
              ? new TextDecoder().decode(request.body.body)
              : request.body._tag === "Raw" && typeof request.body.body === "string"
                ? request.body.body
                : undefined
          const response = await server.handle({
            method: request.method,
            url,
            headers: {
              ...request.headers,
              "content-type": request.body._tag === "Empty" ? undefined : request.body.contentType
            },
            body,
            signal
          })
          return HttpClientResponse.fromWeb(request, response)
        })
      )
      const config = {
        source: "in-memory",
        context: "in-memory",
        cluster: {
          name: "in-memory",
          server: SERVER,
          insecureSkipTlsVerify: false,
          disableCompression: true
        },
        namespace: options.namespace ?? "default",
        credentials: Effect.succeed({}),
        invalidateCredentials: Effect.void,
        refreshable: false
      }
      const http = yield* KubeHttpClient.make(transport, config, { timeout: "30 seconds" })
      const cluster: Cluster = {
        objects: Effect.sync(() =>
          server.objects().flatMap((o) => Option.toArray(Option.fromNullable(toGeneric(o))))
        ),
        get: (apiVersion, kind, name, namespace) =>
          Effect.sync(() =>
            Option.fromNullable(
              server
                .objects()
                .find(
                  (o) =>
                    o.apiVersion === apiVersion &&
                    o.kind === kind &&
                    isObject(o.metadata) &&
                    o.metadata.name === name &&
                    (namespace === undefined || o.metadata.namespace === namespace)
                )
            ).pipe(Option.flatMap((o) => Option.fromNullable(toGeneric(o))))
          ),
        seed: (objects) => Effect.sync(() => seedInto(server, objects)),
        seedYaml: (text) =>
          Effect.flatMap(Codec.loadAll(text, { registry }), (objects) =>
            Effect.sync(() => seedInto(server, objects))
          ),
        register: (entries) => Effect.sync(() => server.register(entries)),
        resourceVersion: Effect.sync(() => server.resourceVersion()),
        compact: Effect.sync(() => server.compact()),
        dropWatches: Effect.sync(() => server.dropWatches()),
        failNext: (count, code, reason) => Effect.sync(() => server.failNext(count, code, reason)),
        setLatency: (latency) =>
          Effect.sync(() => {
            server.latencyMs = Duration.toMillis(Duration.decode(latency))
          })
      }
      const defaults = yield* ClientDefaults.ClientDefaults
      const context = Context.make(InMemoryCluster, cluster).pipe(
        Context.add(KubeConfig, config),
        Context.add(HttpClient.HttpClient, http),
        Context.add(KubeWebSocket, {
          connect: () =>
            Effect.fail(
              new WebSocketError({
                reason: "Connect",
                detail:
                  "the in-memory cluster runs no containers: exec, attach and port-forward are not served"
              })
            )
        })
      )
      // The options' write defaults, laid over the ones in effect where the layer is built; none
      // given: the layer leaves the ones in effect alone.
      return options.fieldManager === undefined && options.dryRun === undefined
        ? context
        : Context.add(
            context,
            ClientDefaults.ClientDefaults,
            ClientDefaults.merge(defaults, { fieldManager: options.fieldManager, dryRun: options.dryRun })
          )
    })
  )
