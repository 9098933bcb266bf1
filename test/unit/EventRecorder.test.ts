import { HttpClient, HttpClientError, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Metric, Schedule } from "effect"
import { Client, EventRecorder, Metrics } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import * as events from "../../src/models/events/v1.js"
import { InMemoryCluster } from "../../src/testing/index.js"

const ns = (name: string): core.Namespace => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })
const cluster = () => InMemoryCluster.layer({ objects: [ns("default"), ns("apps"), ns("kube-system")] })

const cm = (name: string): core.ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "apps", uid: `uid-${name}`, resourceVersion: "7" }
})

const options = {
  controller: "example.com/mirror",
  instance: "mirror-0",
  retrySchedule: Schedule.spaced("10 millis")
}

const eventsIn = (namespace: string) =>
  Effect.map(Client.listAll(events.Event, { namespace }), (list) => list.items)

const dropped = Metric.value(Metrics.eventWrites.pipe(Metric.tagged("result", "dropped")))

/** An old server: no `events.k8s.io/v1`. */
const withoutEventsApi = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(HttpClient.HttpClient, (http) =>
    HttpClient.transform(http, (effect, request) =>
      request.url.includes("/apis/events.k8s.io/")
        ? Effect.succeed(
            HttpClientResponse.fromWeb(request, new Response("404 page not found", { status: 404 }))
          )
        : effect
    )
  )
)

describe("EventRecorder", () => {
  it.live("writes an events.k8s.io/v1 Event about an object: its reference, the reporter, the time", () =>
    Effect.gen(function* () {
      const recorder = yield* EventRecorder.make(options)
      yield* recorder.publish(cm("web"), {
        type: "Normal",
        reason: "Mirrored",
        action: "Reconcile",
        note: "copied"
      })
      yield* recorder.flush
      const [event, ...others] = yield* eventsIn("apps")
      expect(others).toEqual([])
      expect(event).toMatchObject({
        type: "Normal",
        reason: "Mirrored",
        action: "Reconcile",
        note: "copied",
        reportingController: "example.com/mirror",
        reportingInstance: "mirror-0",
        regarding: { apiVersion: "v1", kind: "ConfigMap", name: "web", namespace: "apps", uid: "uid-web" }
      })
      expect(event?.regarding?.resourceVersion).toBeUndefined()
      expect(event?.series).toBeUndefined()
      expect(event?.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
      expect(event?.metadata?.name).toMatch(/^web\.[0-9a-f]+$/)
      // About a cluster-scoped object: in kube-system (core v1: default).
      yield* recorder.publish(ns("apps"), { type: "Normal", reason: "Seen", action: "Reconcile" })
      yield* recorder.flush
      expect((yield* eventsIn("kube-system")).map((e) => e.regarding?.name)).toEqual(["apps"])
    }).pipe(Effect.scoped, Effect.provide(cluster()))
  )

  it.live(
    "occurrences of one event make a series (the first note kept); another reason is another Event",
    () =>
      Effect.gen(function* () {
        const recorder = yield* EventRecorder.make(options)
        const object = cm("web")
        yield* recorder.publish(object, {
          type: "Warning",
          reason: "CopyFailed",
          action: "Reconcile",
          note: "first"
        })
        yield* recorder.flush
        for (let i = 0; i < 4; i++) {
          yield* recorder.publish(object, {
            type: "Warning",
            reason: "CopyFailed",
            action: "Reconcile",
            note: `n${i}`
          })
        }
        // A newer version of the object is the same object.
        yield* recorder.publish(
          { ...object, metadata: { ...object.metadata, resourceVersion: "8" } },
          { type: "Warning", reason: "CopyFailed", action: "Reconcile" }
        )
        yield* recorder.publish(object, { type: "Normal", reason: "Mirrored", action: "Reconcile" })
        yield* recorder.flush
        const all = yield* eventsIn("apps")
        expect(all.length).toBe(2)
        const failed = all.find((e) => e.reason === "CopyFailed")
        expect(failed?.series?.count).toBe(6)
        expect(failed?.note).toBe("first")
        expect(failed?.series?.lastObservedTime).toMatch(/\.\d{6}Z$/)
        expect(all.find((e) => e.reason === "Mirrored")?.series).toBeUndefined()
      }).pipe(Effect.scoped, Effect.provide(cluster()))
  )

  it.live("new Events about one object are rate limited (token bucket); other objects are not", () =>
    Effect.gen(function* () {
      const before = (yield* dropped).count
      const recorder = yield* EventRecorder.make({ ...options, burst: 3 })
      for (let i = 0; i < 5; i++) {
        yield* recorder.publish(cm("web"), { type: "Normal", reason: `Step${i}`, action: "Reconcile" })
      }
      yield* recorder.publish(cm("db"), { type: "Normal", reason: "Step0", action: "Reconcile" })
      yield* recorder.flush
      const all = yield* eventsIn("apps")
      expect(all.filter((e) => e.regarding?.name === "web").map((e) => e.reason)).toEqual(
        expect.arrayContaining(["Step0", "Step1", "Step2"])
      )
      expect(all.filter((e) => e.regarding?.name === "web").length).toBe(3)
      expect(all.filter((e) => e.regarding?.name === "db").length).toBe(1)
      expect((yield* dropped).count - before).toBe(2)
    }).pipe(Effect.scoped, Effect.provide(cluster()))
  )

  it.live("falls back to core v1 Events where events.k8s.io/v1 is not served, series as count", () =>
    Effect.gen(function* () {
      const recorder = yield* EventRecorder.make(options).pipe(Effect.provide(withoutEventsApi))
      for (let i = 0; i < 3; i++) {
        yield* recorder.publish(cm("web"), {
          type: "Normal",
          reason: "Mirrored",
          action: "Reconcile",
          note: "copied"
        })
        yield* recorder.flush
      }
      const [event, ...others] = (yield* Client.listAll(core.Event, { namespace: "apps" })).items
      expect(others).toEqual([])
      expect(event).toMatchObject({
        involvedObject: { kind: "ConfigMap", name: "web", namespace: "apps", uid: "uid-web" },
        reason: "Mirrored",
        message: "copied",
        type: "Normal",
        count: 3,
        source: { component: "example.com/mirror" },
        reportingComponent: "example.com/mirror",
        reportingInstance: "mirror-0"
      })
      expect(event?.firstTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      expect((yield* eventsIn("apps")).length).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(cluster()))
  )

  it.live("closing the recorder's scope writes the counts not yet written", () =>
    Effect.gen(function* () {
      yield* Effect.scoped(
        Effect.gen(function* () {
          const recorder = yield* EventRecorder.make({ ...options, seriesInterval: "1 hour" })
          for (let i = 0; i < 3; i++) {
            yield* recorder.publish(cm("web"), { type: "Normal", reason: "Mirrored", action: "Reconcile" })
          }
        })
      )
      const [event] = yield* eventsIn("apps")
      expect(event?.series?.count).toBe(3)
    }).pipe(Effect.provide(cluster()))
  )

  it.live(
    "retries transient failures; gives up on rejections (a missing namespace) without blocking flush",
    () =>
      Effect.gen(function* () {
        const c = yield* InMemoryCluster.InMemoryCluster
        const recorder = yield* EventRecorder.make(options)
        yield* recorder.publish(cm("db"), { type: "Normal", reason: "Mirrored", action: "Reconcile" })
        yield* recorder.flush
        // Writes are not retried by the transport: these reach the recorder's retries.
        yield* c.failNext(3, 503, "ServiceUnavailable")
        yield* recorder.publish(cm("web"), { type: "Normal", reason: "Mirrored", action: "Reconcile" })
        yield* recorder.flush
        expect((yield* eventsIn("apps")).map((e) => e.regarding?.name).sort()).toEqual(["db", "web"])
        const missing: core.ConfigMap = { ...cm("x"), metadata: { name: "x", namespace: "nowhere" } }
        yield* recorder.publish(missing, { type: "Normal", reason: "Mirrored", action: "Reconcile" })
        yield* recorder.flush
        expect((yield* eventsIn("nowhere")).length).toBe(0)
      }).pipe(Effect.scoped, Effect.provide(cluster()))
  )

  it.live("a create whose answer was lost is not written twice (AlreadyExists: ours)", () =>
    Effect.gen(function* () {
      let lost = 0
      const losing = Layer.effect(
        HttpClient.HttpClient,
        Effect.map(HttpClient.HttpClient, (http) =>
          HttpClient.transform(http, (effect, request) =>
            request.method === "POST" && request.url.includes("/events") && lost++ === 0
              ? Effect.zipRight(
                  effect,
                  Effect.fail(
                    new HttpClientError.RequestError({ request, reason: "Transport", cause: "reset" })
                  )
                )
              : effect
          )
        )
      )
      const recorder = yield* EventRecorder.make(options).pipe(Effect.provide(losing))
      yield* recorder.publish(cm("web"), { type: "Normal", reason: "Mirrored", action: "Reconcile" })
      yield* recorder.flush
      yield* recorder.publish(cm("web"), { type: "Normal", reason: "Mirrored", action: "Reconcile" })
      yield* recorder.flush
      const all = yield* eventsIn("apps")
      expect(lost).toBeGreaterThanOrEqual(2)
      expect(all.length).toBe(1)
      expect(all[0]?.series?.count).toBe(2)
    }).pipe(Effect.scoped, Effect.provide(cluster()))
  )

  it.live("a write waiting for its retry is written by flush and at scope close, not lost", () =>
    Effect.gen(function* () {
      const c = yield* InMemoryCluster.InMemoryCluster
      yield* Effect.scoped(
        Effect.gen(function* () {
          const recorder = yield* EventRecorder.make({
            ...options,
            seriesInterval: "1 hour",
            retrySchedule: Schedule.spaced("300 millis")
          })
          yield* recorder.publish(cm("web"), { type: "Normal", reason: "Mirrored", action: "Reconcile" })
          yield* recorder.flush
          yield* recorder.publish(cm("web"), { type: "Normal", reason: "Mirrored", action: "Reconcile" })
          yield* c.failNext(1, 503, "ServiceUnavailable")
          yield* recorder.flush // the patch fails once, waits for its retry, then is written
          expect((yield* eventsIn("apps"))[0]?.series?.count).toBe(2)
          yield* recorder.publish(cm("web"), { type: "Normal", reason: "Mirrored", action: "Reconcile" })
          yield* c.failNext(1, 503, "ServiceUnavailable")
          // Closing: the write fails once more; its retry comes within the shutdown timeout.
          yield* Effect.fork(recorder.flush).pipe(Effect.zipRight(Effect.sleep("50 millis")))
        })
      )
      expect((yield* eventsIn("apps"))[0]?.series?.count).toBe(3)
    }).pipe(Effect.provide(cluster()))
  )

  it.live("an Event deleted meanwhile is created again with its count", () =>
    Effect.gen(function* () {
      const recorder = yield* EventRecorder.make(options)
      yield* recorder.publish(cm("web"), { type: "Normal", reason: "Mirrored", action: "Reconcile" })
      yield* recorder.flush
      const [first] = yield* eventsIn("apps")
      yield* Client.del(events.Event, first?.metadata?.name ?? "", { namespace: "apps" })
      yield* recorder.publish(cm("web"), { type: "Normal", reason: "Mirrored", action: "Reconcile" })
      yield* recorder.flush
      const [again] = yield* eventsIn("apps")
      expect(again?.metadata?.name).toBe(first?.metadata?.name)
      expect(again?.series?.count).toBe(2)
    }).pipe(Effect.scoped, Effect.provide(cluster()))
  )

  it.live("an invalid event or invalid options fail with InvalidRequest; nothing is written", () =>
    Effect.gen(function* () {
      const recorder = yield* EventRecorder.make(options)
      const bad: ReadonlyArray<EventRecorder.Event> = [
        { type: "Normal", reason: "", action: "Reconcile" },
        { type: "Normal", reason: "Mirrored", action: "x".repeat(129) }
      ]
      for (const event of bad) {
        expect((yield* Effect.flip(recorder.publish(cm("web"), event)))._tag).toBe("InvalidRequest")
      }
      const metadataOnly = {
        apiVersion: "meta.k8s.io/v1",
        kind: "PartialObjectMetadata",
        metadata: { name: "web" }
      }
      expect(
        (yield* Effect.flip(recorder.publish(metadataOnly, { type: "Normal", reason: "A", action: "B" })))
          ._tag
      ).toBe("InvalidRequest")
      const nameless: core.ConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: {} }
      expect(
        (yield* Effect.flip(recorder.publish(nameless, { type: "Normal", reason: "A", action: "B" })))._tag
      ).toBe("InvalidRequest")
      for (const invalid of [
        { controller: "" },
        { controller: "Not Qualified" },
        { controller: "c", burst: 0 },
        { controller: "c", queueSize: 1.5 }
      ]) {
        expect((yield* Effect.flip(EventRecorder.make(invalid)))._tag).toBe("InvalidRequest")
      }
      yield* recorder.flush
      expect((yield* eventsIn("apps")).length).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(cluster()))
  )

  it.live("a long note is cut to 1 KiB on a character boundary", () =>
    Effect.gen(function* () {
      const recorder = yield* EventRecorder.make(options)
      yield* recorder.publish(cm("web"), {
        type: "Normal",
        reason: "Long",
        action: "Reconcile",
        note: "é".repeat(2000)
      })
      yield* recorder.flush
      const [event] = yield* eventsIn("apps")
      const note = event?.note ?? ""
      expect(new TextEncoder().encode(note).length).toBeLessThanOrEqual(1024)
      expect(note.endsWith("é...")).toBe(true)
    }).pipe(Effect.scoped, Effect.provide(cluster()))
  )
})
