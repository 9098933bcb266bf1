import { HttpClient, HttpClientError, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { ApiError, Client, Warnings } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { InMemoryCluster } from "../../src/testing/index.js"

const ns = (name: string): core.Namespace => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })
const cm = (name: string): core.ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "apps" },
  data: { k: "v" }
})

/** The in-memory cluster, its requests recorded (method, path and query, body). */
const recorded = () => {
  const requests: Array<{ method: string; url: URL; body: string | undefined }> = []
  const recording = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (http) =>
      HttpClient.mapRequest(http, (request) => {
        const url = new URL(request.url, "http://in-memory.invalid")
        for (const [k, v] of request.urlParams) url.searchParams.append(k, v)
        requests.push({
          method: request.method,
          url,
          body: request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : undefined
        })
        return request
      })
    )
  )
  const layer = recording.pipe(
    Layer.provideMerge(InMemoryCluster.layer({ objects: [ns("apps"), cm("a"), cm("b")] }))
  )
  const last = (method: string) => {
    const found = requests.filter((r) => r.method === method).at(-1)
    if (found === undefined) throw new Error(`no ${method} request`)
    return found
  }
  return { requests, layer, last }
}

describe("options of the verbs", () => {
  it.effect("get: resourceVersion", () => {
    const r = recorded()
    return Effect.gen(function* () {
      yield* Client.get(core.ConfigMap, "a", { namespace: "apps", resourceVersion: "0" })
      expect(r.last("GET").url.searchParams.get("resourceVersion")).toBe("0")
      yield* Client.get(core.ConfigMap, "a", { namespace: "apps" })
      expect(r.last("GET").url.searchParams.has("resourceVersion")).toBe(false)
    }).pipe(Effect.provide(r.layer))
  })

  it.effect(
    "list: resourceVersionMatch with the first page's resourceVersion only; timeoutSeconds on every page",
    () => {
      const r = recorded()
      return Effect.gen(function* () {
        const list = yield* Client.listAll(core.ConfigMap, {
          namespace: "apps",
          chunkSize: 1,
          resourceVersion: "0",
          resourceVersionMatch: "NotOlderThan",
          timeoutSeconds: 7
        })
        expect(list.items.length).toBe(2)
        const pages = r.requests.filter((q) => q.method === "GET")
        expect(pages.length).toBeGreaterThanOrEqual(2)
        expect(pages[0]?.url.searchParams.get("resourceVersionMatch")).toBe("NotOlderThan")
        expect(pages[1]?.url.searchParams.has("resourceVersionMatch")).toBe(false)
        expect(pages.every((q) => q.url.searchParams.get("timeoutSeconds") === "7")).toBe(true)
        // Without a resourceVersion the match is left out (the server would refuse it).
        yield* Client.listAll(core.ConfigMap, { namespace: "apps", resourceVersionMatch: "Exact" })
        expect(r.last("GET").url.searchParams.has("resourceVersionMatch")).toBe(false)
      }).pipe(Effect.provide(r.layer))
    }
  )

  it.effect("writes: fieldValidation on create, replace, patch and apply", () => {
    const r = recorded()
    return Effect.gen(function* () {
      yield* Client.create(core.ConfigMap, cm("c"), { fieldValidation: "Strict" })
      expect(r.last("POST").url.searchParams.get("fieldValidation")).toBe("Strict")
      const c = yield* Client.get(core.ConfigMap, "c", { namespace: "apps" })
      yield* Client.replace(core.ConfigMap, c, { fieldValidation: "Warn" })
      expect(r.last("PUT").url.searchParams.get("fieldValidation")).toBe("Warn")
      yield* Client.patch(
        core.ConfigMap,
        "c",
        { data: { x: "y" } },
        { namespace: "apps", fieldValidation: "Ignore" }
      )
      expect(r.last("PATCH").url.searchParams.get("fieldValidation")).toBe("Ignore")
      yield* Client.apply(core.ConfigMap, cm("c"), { fieldManager: "me", fieldValidation: "Strict" })
      expect(r.last("PATCH").url.searchParams.get("fieldValidation")).toBe("Strict")
    }).pipe(Effect.provide(r.layer))
  })

  it.effect("delete: preconditions in the DeleteOptions body; deleteCollection: the list options", () => {
    const r = recorded()
    return Effect.gen(function* () {
      // Neither the uid nor the version is the stored object's: refused, as the apiserver does.
      const refused = yield* Effect.flip(
        Client.delete(core.ConfigMap, "a", {
          namespace: "apps",
          preconditions: { uid: "u-1", resourceVersion: "5" }
        })
      )
      expect(refused).toMatchObject({ _tag: "ApiError", code: 409, reason: "Conflict" })
      expect(JSON.parse(r.last("DELETE").body ?? "null")).toEqual({
        apiVersion: "v1",
        kind: "DeleteOptions",
        preconditions: { uid: "u-1", resourceVersion: "5" }
      })
      yield* Client.delete(core.ConfigMap, "b", { namespace: "apps" })
      expect(r.last("DELETE").body).toBeUndefined()
      yield* Client.deleteCollection(core.ConfigMap, {
        namespace: "apps",
        labels: { app: "x" },
        cascade: "Foreground",
        resourceVersion: "0",
        resourceVersionMatch: "NotOlderThan",
        timeoutSeconds: 9,
        limit: 10
      })
      const q = r.last("DELETE").url.searchParams
      expect(Object.fromEntries(q)).toMatchObject({
        labelSelector: "app=x",
        propagationPolicy: "Foreground",
        resourceVersion: "0",
        resourceVersionMatch: "NotOlderThan",
        timeoutSeconds: "9",
        limit: "10"
      })
    }).pipe(Effect.provide(r.layer))
  })
})

describe("Warnings", () => {
  it("parses Warning headers: several, escapes, a date", () => {
    expect(
      Warnings.parse('299 - "unknown field \\"spec.foo\\"", 299 k8s "other" "Sat, 01 Jan 2000 00:00:00 GMT"')
    ).toEqual([
      { code: 299, agent: "-", text: 'unknown field "spec.foo"' },
      { code: 299, agent: "k8s", text: "other" }
    ])
    expect(Warnings.parse("garbage")).toEqual([])
  })

  it.effect("the server's warnings are collected (forked requests too) and logged", () =>
    Effect.gen(function* () {
      const warning = Layer.effect(
        HttpClient.HttpClient,
        Effect.map(HttpClient.HttpClient, (http) =>
          HttpClient.transform(http, (effect, request) =>
            Effect.map(effect, (response) =>
              request.method === "POST"
                ? HttpClientResponse.fromWeb(
                    request,
                    new Response(JSON.stringify(cm("w")), {
                      status: 201,
                      headers: { warning: '299 - "unknown field \\"spec\\""' }
                    })
                  )
                : response
            )
          )
        )
      )
      const [created, warnings] = yield* Warnings.collect(
        Effect.fork(Client.create(core.ConfigMap, cm("w"), { fieldValidation: "Warn" })).pipe(
          Effect.flatMap((fiber) => fiber.await),
          Effect.flatten
        )
      ).pipe(Effect.provide(warning))
      expect(created.metadata?.name).toBe("w")
      expect(warnings).toEqual([
        expect.objectContaining({ code: 299, text: 'unknown field "spec"', method: "POST" })
      ])
      // Outside a collect: nothing collected, nothing failed.
      const [, none] = yield* Warnings.collect(Client.get(core.ConfigMap, "a", { namespace: "apps" }))
      expect(none).toEqual([])
    }).pipe(Effect.provide(InMemoryCluster.layer({ objects: [ns("apps"), cm("a")] })))
  )
})

describe("Client.isTransient", () => {
  const request = HttpClientRequest.get("https://k8s.test/api")
  const apiError = (code: number) =>
    new ApiError.ApiError({
      status: { apiVersion: "v1", kind: "Status", code },
      method: "GET",
      url: "https://k8s.test/api"
    })
  it("the network, a cut body, timeouts and a busy or failing server; not the caller's errors", () => {
    for (const code of [408, 429, 500, 502, 503, 504])
      expect(Client.isTransient(apiError(code)), String(code)).toBe(true)
    for (const code of [400, 401, 403, 404, 409, 410, 422, 501]) {
      expect(Client.isTransient(apiError(code)), String(code)).toBe(false)
    }
    expect(
      Client.isTransient(
        new HttpClientError.RequestError({ request, reason: "Transport", cause: "ECONNRESET" })
      )
    ).toBe(true)
    expect(Client.isTransient(new HttpClientError.RequestError({ request, reason: "Encode" }))).toBe(false)
    expect(Client.isTransient({ _tag: "TimeoutException" })).toBe(true)
    expect(Client.isTransient({ _tag: "ParseError" })).toBe(false)
    expect(Client.isTransient("boom")).toBe(false)
  })

  it.live("retryTransient runs a call again while it fails for a transient reason", () =>
    Effect.gen(function* () {
      const c = yield* InMemoryCluster.InMemoryCluster
      yield* c.failNext(2, 503, "ServiceUnavailable")
      const created = yield* Client.retryTransient(Client.create(core.ConfigMap, cm("r")))
      expect(created.metadata?.name).toBe("r")
      yield* c.failNext(1, 422, "Invalid")
      const failed = yield* Effect.flip(Client.retryTransient(Client.create(core.ConfigMap, cm("s"))))
      expect(failed).toMatchObject({ _tag: "ApiError", reason: "Invalid" })
    }).pipe(Effect.provide(InMemoryCluster.layer({ objects: [ns("apps")] })))
  )
})

describe("objects without apiVersion and kind", () => {
  it.effect("create, replace and apply fill them in from the kind; a wrong one given is a ParseError", () =>
    Effect.gen(function* () {
      const created = yield* Client.create(core.ConfigMap, {
        metadata: { name: "bare", namespace: "apps" },
        data: { a: "1" }
      })
      expect(created).toMatchObject({ apiVersion: "v1", kind: "ConfigMap", data: { a: "1" } })
      const replaced = yield* Client.replace(core.ConfigMap, {
        metadata: {
          name: "bare",
          namespace: "apps",
          resourceVersion: created.metadata?.resourceVersion ?? ""
        },
        data: { a: "2" }
      })
      expect(replaced.data).toEqual({ a: "2" })
      const applied = yield* Client.apply(
        core.ConfigMap,
        { metadata: { name: "bare", namespace: "apps" }, data: { a: "3" } },
        { fieldManager: "me", force: true }
      )
      expect(applied.data).toEqual({ a: "3" })
      // Another kind's apiVersion is a type error, and a ParseError when it gets through (JSON).
      const wrong = yield* Effect.flip(
        // @ts-expect-error a ConfigMap's apiVersion is "v1" (no overload takes "apps/v1")
        Client.create(core.ConfigMap, {
          apiVersion: "apps/v1",
          metadata: { name: "wrong", namespace: "apps" }
        })
      )
      expect(wrong._tag).toBe("ParseError")
    }).pipe(Effect.provide(InMemoryCluster.layer({ objects: [ns("apps")] })))
  )
})

describe("models under exactOptionalPropertyTypes", () => {
  it("optional fields take undefined (a field read from another object), left out of the JSON sent", () => {
    const source: core.ConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } }
    const copy: core.ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: source.metadata?.name, namespace: source.metadata?.namespace },
      data: source.data
    }
    expect(JSON.parse(JSON.stringify(Schema.encodeSync(core.ConfigMapSchema)(copy)))).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a" }
    })
  })
})

describe("Client.createToken", () => {
  it.effect(
    "a name that is not a path segment is refused before anything is sent; the in-memory cluster answers a typed error",
    () =>
      Effect.gen(function* () {
        const bad = yield* Effect.flip(Client.createToken(core.ServiceAccount, "..", { namespace: "apps" }))
        expect(bad._tag).toBe("InvalidRequest")
        const unserved = yield* Effect.flip(
          Client.createToken(core.ServiceAccount, "builder", { namespace: "apps" })
        )
        expect(unserved._tag).toBe("ApiError")
      }).pipe(Effect.provide(InMemoryCluster.layer({ objects: [ns("apps")] })))
  )
})
