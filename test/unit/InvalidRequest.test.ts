import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Stream } from "effect"
import {
  Client,
  Discovery,
  InvalidRequest,
  KubeConfig,
  KubeHttpClient,
  KubeWebSocket,
  PodExec,
  PodLog,
  Resource,
  Watch
} from "../../src/index.js"
import * as apps from "../../src/models/apps/v1.js"
import * as core from "../../src/models/core/v1.js"
import { InMemoryCluster } from "../../src/testing/index.js"
import { configMap, resolvedConfig } from "../harness/Fixtures.js"

/** Values that are not path segments: each must be refused before any request. */
const BAD = [
  "",
  ".",
  "..",
  "/",
  "a/b",
  "../x",
  "%",
  "%2e%2e",
  "..%2f",
  "a\nb",
  "a\u0000",
  "\ud800",
  "a\udfffb"
]

/** A client whose transport records every request and answers `{}`; WebSocket connects recorded too. */
const recording = (namespace = "ns") => {
  const sent: Array<string> = []
  const transport = HttpClient.make((request, url) => {
    sent.push(`${request.method} ${url.pathname}${url.search}`)
    return Effect.succeed(HttpClientResponse.fromWeb(request, Response.json({})))
  })
  const config = resolvedConfig("https://k8s.test", { namespace })
  const webSocket: KubeWebSocket.Service = {
    connect: (path, query) =>
      Effect.sync(() =>
        sent.push(`WS ${path}?${new URLSearchParams(query.map(([k, v]) => [k, v])).toString()}`)
      ).pipe(
        Effect.zipRight(
          Effect.fail(new KubeWebSocket.WebSocketError({ reason: "Connect", detail: "recorded" }))
        )
      )
  }
  const layer = Layer.mergeAll(
    KubeConfig.layer(config),
    Layer.scoped(HttpClient.HttpClient, KubeHttpClient.make(transport, config)),
    Layer.succeed(KubeWebSocket.KubeWebSocket, webSocket)
  )
  return { sent, layer }
}

const expectStar = (error: { readonly _tag: string; readonly message: string }) => {
  expect(error._tag).toBe("InvalidRequest")
  expect(error.message).toContain('namespace "*" (every namespace) is for lists')
}

const expectQuery = (error: { readonly _tag: string; readonly message: string }) => {
  expect(error._tag).toBe("InvalidRequest")
  expect(error.message).toMatch(
    /^invalid (container|command|fieldManager): not a well-formed Unicode string$/
  )
}

const expectInvalid = (error: { readonly _tag: string; readonly message: string }) => {
  expect(error._tag).toBe("InvalidRequest")
  expect(error.message).toMatch(
    /^(invalid (name|namespace|plural|group|version|subresource)|.* needs a name|.* is namespaced)/
  )
}

describe("InvalidRequest.checkSegment", () => {
  it("refuses what is not a path segment, as client-go's IsValidPathSegmentName (and control characters)", () => {
    for (const value of ["", ".", "..", "/", "a/b", "%", "a%2fb", "tab\there", "\u007f"]) {
      expect(Either.isLeft(InvalidRequest.checkSegment("name", value)), JSON.stringify(value)).toBe(true)
      expect(InvalidRequest.isPathSegment(value)).toBe(false)
    }
    for (const value of [
      "web",
      "a.b",
      "...",
      ".hidden",
      "a..b",
      "system:controller:x",
      "ümlaut",
      "a b",
      "a?b#c"
    ]) {
      expect(InvalidRequest.checkSegment("name", value)).toEqual(Either.right(value))
      expect(InvalidRequest.isPathSegment(value)).toBe(true)
    }
  })

  it("names the role and quotes the value as JSON, shortened when long", () => {
    const error = Either.getLeft(InvalidRequest.checkSegment("namespace", "..")).pipe((o) =>
      o._tag === "Some" ? o.value : undefined
    )
    expect(error?.message).toBe(`invalid namespace "..": '.' and '..' are not names`)
    const long = Either.getLeft(InvalidRequest.checkSegment("name", `${"x".repeat(100)}/`))
    expect(long._tag === "Some" && long.value.message.length < 140).toBe(true)
  })
})

describe("Resource.path: the one place that builds API paths", () => {
  it("encodes each segment and refuses every bad one", () => {
    expect(Resource.path(apps.Deployment, { namespace: "apps", name: "web", subresource: "scale" })).toEqual(
      Either.right("/apis/apps/v1/namespaces/apps/deployments/web/scale")
    )
    expect(Resource.path(core.ConfigMap, { namespace: "a b", name: "x?y#z" })).toEqual(
      Either.right("/api/v1/namespaces/a%20b/configmaps/x%3Fy%23z")
    )
    expect(Resource.path(core.ConfigMap)).toEqual(Either.right("/api/v1/configmaps"))
    for (const bad of BAD) {
      for (const options of [
        { namespace: "ns", name: bad },
        { namespace: bad },
        { namespace: bad, name: "x" },
        { namespace: "ns", name: "x", subresource: bad }
      ]) {
        expect(Either.isLeft(Resource.path(core.ConfigMap, options)), JSON.stringify(options)).toBe(true)
      }
    }
  })

  it("refuses a single object of a namespaced kind without a namespace, and a sub-resource without a name", () => {
    expect(Either.isLeft(Resource.path(core.ConfigMap, { name: "x" }))).toBe(true)
    expect(Either.isLeft(Resource.path(core.ConfigMap, { namespace: "ns", subresource: "status" }))).toBe(
      true
    )
    expect(Resource.path(core.Namespace, { name: "x" })).toEqual(Either.right("/api/v1/namespaces/x"))
  })

  it("checks the kind's own segments too (custom kinds made at run time)", () => {
    for (const plural of ["", "..", "a/b", "%"]) {
      const kind = Resource.namespaced({ group: "example.com", version: "v1", kind: "Widget", plural })
      expect(Either.isLeft(Resource.path(kind, { namespace: "ns" }))).toBe(true)
    }
    const badGroup = Resource.global({ group: "..", version: "v1", kind: "Widget", plural: "widgets" })
    expect(Either.isLeft(Resource.path(badGroup))).toBe(true)
    const badVersion = Resource.global({
      group: "example.com",
      version: "v1/..",
      kind: "Widget",
      plural: "widgets"
    })
    expect(Either.isLeft(Resource.path(badVersion))).toBe(true)
  })
})

describe("no verb sends a request for a name or namespace that is not a path segment", () => {
  it.effect("object verbs: get, replace, patch, apply, delete, status, scale, evict", () => {
    const { sent, layer } = recording()
    return Effect.gen(function* () {
      for (const bad of BAD) {
        const withName = { ...configMap(bad), metadata: { name: bad } }
        const withNs = { ...configMap("x"), metadata: { name: "x", namespace: bad } }
        const attempts: ReadonlyArray<Effect.Effect<unknown, Client.ClientError, Client.Requirements>> = [
          Client.get(core.ConfigMap, bad),
          Client.get(core.ConfigMap, "x", { namespace: bad }),
          Client.getOption(core.ConfigMap, bad),
          Client.delete(core.ConfigMap, bad),
          Client.delete(core.ConfigMap, "x", { namespace: bad }),
          Client.delete(core.Namespace, bad),
          Client.replace(core.ConfigMap, withName),
          Client.replace(core.ConfigMap, withNs),
          Client.patch(core.ConfigMap, bad, { data: {} }),
          Client.apply(core.ConfigMap, withName, { fieldManager: "t" }),
          Client.create(core.ConfigMap, withNs),
          Client.getStatus(apps.Deployment, bad),
          Client.getScale(apps.Deployment, bad),
          Client.evict(core.Pod, bad),
          Client.list(core.ConfigMap, { namespace: bad }).pipe(Stream.runDrain),
          Client.deleteCollection(core.ConfigMap, { namespace: bad })
        ]
        for (const attempt of attempts) {
          // "" as a name is "no name" for replace/apply: still InvalidRequest, still nothing sent.
          const error = yield* Effect.flip(attempt)
          expect(error._tag, `${JSON.stringify(bad)}: ${error.message}`).toBe("InvalidRequest")
        }
      }
      expect(sent).toEqual([])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a namespace from the configuration is checked too", () => {
    const { sent, layer } = recording("..")
    return Effect.gen(function* () {
      expectInvalid(yield* Effect.flip(Client.delete(core.ConfigMap, "x")))
      expectInvalid(yield* Effect.flip(Client.deleteCollection(core.ConfigMap)))
      expectInvalid(yield* Effect.flip(Client.get(core.ConfigMap, "x")))
      expect(sent).toEqual([])
      // Cluster-scoped kinds do not use the namespace.
      yield* Client.get(core.Namespace, "default").pipe(Effect.ignore)
      expect(sent).toEqual(["GET /api/v1/namespaces/default"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a namespaced object with namespace '*' is refused, not sent to a cluster-wide path", () => {
    const { sent, layer } = recording()
    return Effect.gen(function* () {
      expectStar(yield* Effect.flip(Client.delete(core.ConfigMap, "x", { namespace: "*" })))
      expectStar(yield* Effect.flip(Client.get(core.ConfigMap, "x", { namespace: "*" })))
      expect(sent).toEqual([])
    }).pipe(Effect.provide(layer))
  })

  it.effect(
    "namespace '*' names no object: get, apply, applyStatus, create and delete refuse it (no guess)",
    () => {
      const { sent, layer } = recording()
      return Effect.gen(function* () {
        const cm = { ...configMap("x"), metadata: { name: "x" } }
        expectStar(
          yield* Effect.flip(Client.apply(core.ConfigMap, cm, { namespace: "*", fieldManager: "t" }))
        )
        expectStar(yield* Effect.flip(Client.create(core.ConfigMap, cm, { namespace: "*" })))
        expectStar(yield* Effect.flip(Client.patch(core.ConfigMap, "x", {}, { namespace: "*" })))
        expectStar(yield* Effect.flip(PodLog.log("p", { namespace: "*" }).pipe(Stream.runDrain)))
        expectStar(yield* Effect.flip(PodExec.exec("p", { command: ["date"], namespace: "*" })))
        expectStar(yield* Effect.flip(Effect.scoped(PodExec.attach("p", { namespace: "*" }))))
        expect(Either.isLeft(Resource.path(core.ConfigMap, { namespace: "*" }))).toBe(true)
        expect(sent).toEqual([])
        // Lists and deleteCollection take it as every namespace.
        yield* Client.deleteCollection(core.ConfigMap, { namespace: "*" }).pipe(Effect.ignore)
        expect(sent).toEqual(["DELETE /api/v1/configmaps"])
      }).pipe(Effect.provide(layer))
    }
  )

  it.effect(
    "query values that are not well-formed Unicode are refused; an empty container is no container",
    () => {
      const { sent, layer } = recording()
      return Effect.gen(function* () {
        expectQuery(yield* Effect.flip(PodLog.log("p", { container: "\ud800" }).pipe(Stream.runDrain)))
        expectQuery(yield* Effect.flip(PodExec.exec("p", { command: ["echo", "\udc00"] })))
        expectQuery(yield* Effect.flip(PodExec.exec("p", { command: ["date"], container: "\ud800" })))
        expectQuery(
          yield* Effect.flip(Client.create(core.ConfigMap, configMap("x"), { fieldManager: "\ud800" }))
        )
        const fields = yield* Effect.flip(
          Client.list(core.ConfigMap, { fields: { "metadata.name": "\ud800" } }).pipe(Stream.runDrain)
        )
        expect(fields._tag).toBe("SelectorError")
        expect(sent).toEqual([])
        yield* Effect.ignore(PodLog.log("p", { container: "" }).pipe(Stream.runDrain))
        yield* Effect.ignore(PodExec.exec("p", { command: ["date"], container: "" }))
        expect(sent).toEqual([
          "GET /api/v1/namespaces/ns/pods/p/log",
          "WS /api/v1/namespaces/ns/pods/p/exec?command=date&stdout=true&stderr=true",
          // The refused upgrade is asked again without upgrading, to read the server's Status.
          "GET /api/v1/namespaces/ns/pods/p/exec?command=date&stdout=true&stderr=true"
        ])
        const badDate = yield* Effect.flip(
          PodLog.log("p", { sinceTime: new Date(Number.NaN) }).pipe(Stream.runDrain)
        )
        expect(badDate.message).toBe("invalid sinceTime: not a valid Date")
      }).pipe(Effect.provide(layer))
    }
  )

  it.effect("pod streams and watches: log, exec, attach, watch by name or namespace", () => {
    const { sent, layer } = recording()
    return Effect.gen(function* () {
      for (const bad of BAD) {
        expectInvalid(yield* Effect.flip(PodLog.log(bad).pipe(Stream.runDrain)))
        expectInvalid(yield* Effect.flip(PodLog.log("p", { namespace: bad }).pipe(Stream.runDrain)))
        expectInvalid(yield* Effect.flip(PodExec.exec(bad, { command: ["date"] })))
        expectInvalid(yield* Effect.flip(Effect.scoped(PodExec.attach(bad))))
        expectInvalid(yield* Effect.flip(PodExec.exec("p", { command: ["date"], namespace: bad })))
        expectInvalid(yield* Effect.flip(Watch.watch(core.ConfigMap, { name: bad }).pipe(Stream.runDrain)))
        expectInvalid(
          yield* Effect.flip(Watch.watch(core.ConfigMap, { namespace: bad }).pipe(Stream.runDrain))
        )
      }
      expect(sent).toEqual([])
    }).pipe(Effect.provide(layer))
  })
})

describe("Registry discovery", () => {
  it.effect("skips group versions the server names that are not path segments", () => {
    const sent: Array<string> = []
    const transport = HttpClient.make((request, url) => {
      sent.push(url.pathname)
      const body =
        url.pathname === "/apis"
          ? {
              groups: [
                {
                  versions: [
                    { groupVersion: "../v1" },
                    { groupVersion: "a/b/c" },
                    { groupVersion: "ok.io/v1" }
                  ]
                }
              ]
            }
          : { resources: [] }
      return Effect.succeed(HttpClientResponse.fromWeb(request, Response.json(body)))
    })
    const config = resolvedConfig()
    return Effect.gen(function* () {
      yield* Discovery.apiResources
      expect(sent.sort()).toEqual(["/api/v1", "/apis", "/apis/ok.io/v1"])
    }).pipe(Effect.provide(Layer.scoped(HttpClient.HttpClient, KubeHttpClient.make(transport, config))))
  })
})

describe("the in-memory cluster's router", () => {
  it.effect(
    "a path whose last segment is empty, '.', '..' or a broken escape names nothing (404), deletes nothing",
    () =>
      Effect.gen(function* () {
        const http = yield* HttpClient.HttpClient
        for (const tail of ["", "%2e", "%2E%2E", "a%2fb", "%", "%E0%A4%A"]) {
          const response = yield* http.execute(
            HttpClientRequest.del(`/api/v1/namespaces/default/configmaps/${tail}`)
          )
          expect(response.status, tail).toBe(404)
        }
        const left = yield* Client.listAll(core.ConfigMap, { namespace: "default" })
        expect(left.items.map((c) => c.metadata?.name)).toEqual(["keep"])
      }).pipe(
        Effect.provide(
          InMemoryCluster.layer({ objects: [{ ...configMap("keep"), metadata: { name: "keep" } }] })
        )
      ),
    // Loading every built-in kind can take seconds on a loaded machine: a bound, not a speed check.
    30_000
  )
})
