/**
 * Streaming lists (`sendInitialEvents`, the WatchList feature of Kubernetes 1.27+, on by default
 * since 1.32). The 1.20 test apiserver refuses them (its fallback is tested against it in
 * watch.integration.test.ts); a newer server's behaviour is tested here against a scripted server
 * that follows the documented protocol (the `sendInitialEvents` parameter's description in the
 * OpenAPI document: the initial objects as ADDED events, then a BOOKMARK annotated
 * `k8s.io/initial-events-end: "true"` at their version, then the changes; 422 Invalid from servers
 * without the feature), and against the in-memory cluster.
 */
import type * as http from "node:http"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Fiber, Schedule, Stream } from "effect"
import { Client, Watch } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { InMemoryCluster } from "../../src/testing/index.js"
import { cmObject, fakeServer, layerFor, line, list, status } from "../harness/ScriptedServer.js"

const fast = Schedule.spaced("10 millis")

const endBookmark = (rv: string) =>
  line("BOOKMARK", {
    kind: "ConfigMap",
    apiVersion: "v1",
    metadata: { resourceVersion: rv, annotations: { "k8s.io/initial-events-end": "true" } }
  })

/** A 1.27–1.31 apiserver with the WatchList gate off. */
const gateOff = JSON.stringify({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message:
    'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled',
  reason: "Invalid",
  details: {
    group: "meta.k8s.io",
    kind: "ListOptions",
    causes: [
      {
        reason: "FieldValueForbidden",
        message:
          "Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
        field: "sendInitialEvents"
      }
    ]
  },
  code: 422
})

/**
 * A server without the feature: a watch asking for initial events is refused (422); the lists and
 * other watches are answered by `handle`.
 */
const withoutWatchList =
  (handle: (url: URL, res: http.ServerResponse, n: number) => void) =>
  (url: URL, res: http.ServerResponse, n: number) => {
    if (url.searchParams.get("sendInitialEvents") !== null) {
      res.writeHead(422, { "content-type": "application/json" })
      res.end(gateOff)
    } else {
      res.writeHead(200, { "content-type": "application/json" })
      handle(url, res, n)
    }
  }

const isList = (url: URL) => url.searchParams.get("watch") !== "true"

/** The watch event of a version the server no longer has. */
const expired = line("ERROR", JSON.parse(status(410, "Expired")))

const describeEvent = (e: Watch.WatchEvent<core.ConfigMap>) =>
  e._tag === "Bookmark"
    ? `Bookmark ${e.resourceVersion}${e.initialEventsEnd === true ? " end" : ""}`
    : `${e._tag} ${e.object.metadata?.name}`

const describeWatcherEvent = (e: Watch.WatcherEvent<core.ConfigMap>) =>
  e._tag === "Init"
    ? "Init"
    : e._tag === "InitDone"
      ? `InitDone ${e.resourceVersion}`
      : `${e._tag} ${e.object.metadata?.name}`

/** What a request asked for: a list, or a watch (streaming or not) from a version. */
const describeRequest = (u: URL) => {
  const q = u.searchParams
  if (q.get("watch") !== "true")
    return `list rv=${q.get("resourceVersion") ?? ""}${q.has("resourceVersionMatch") ? ` match=${q.get("resourceVersionMatch")}` : ""}`
  const streaming =
    q.get("sendInitialEvents") === "true"
      ? ` stream match=${q.get("resourceVersionMatch")} bookmarks=${q.get("allowWatchBookmarks")}`
      : ""
  return `watch rv=${q.get("resourceVersion") ?? ""}${streaming}`
}

describe("Watch.watch with sendInitialEvents (scripted newer server)", () => {
  it.scopedLive(
    "asks for the initial events, ends them at the annotated bookmark, then resumes from its version",
    () =>
      Effect.gen(function* () {
        const srv = yield* fakeServer({
          handle: (_url, res, n) => {
            res.writeHead(200, { "content-type": "application/json" })
            if (n === 1) {
              // Initial events come in key order: their versions are no resume point.
              res.write(line("ADDED", cmObject("a", "7")))
              res.write(line("ADDED", cmObject("b", "3")))
              res.end(endBookmark("10"))
            } else {
              res.write(line("MODIFIED", cmObject("a", "11")))
            }
          }
        })
        const events = yield* Watch.watch(core.ConfigMap, {
          sendInitialEvents: true,
          resourceVersion: "5",
          allowBookmarks: false,
          retrySchedule: fast
        }).pipe(Stream.take(4), Stream.runCollect, Effect.provide(layerFor(srv.url)))
        expect(Chunk.toReadonlyArray(events).map(describeEvent)).toEqual([
          "Added a",
          "Added b",
          "Bookmark 10 end",
          "Modified a"
        ])
        // Bookmarks asked for with the initial events even where `allowBookmarks` is false.
        expect(srv.requests.map(describeRequest)).toEqual([
          "watch rv=5 stream match=NotOlderThan bookmarks=true",
          "watch rv=10"
        ])
      })
  )

  it.scopedLive("a connection cut before the end bookmark asks for all initial events again", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res, n) => {
          res.writeHead(200, { "content-type": "application/json" })
          if (n === 1) {
            res.end(line("ADDED", cmObject("a", "7")))
          } else if (n === 2) {
            res.write(line("ADDED", cmObject("a", "7")))
            res.end(endBookmark("12"))
          } else {
            res.write(line("ADDED", cmObject("c", "13")))
          }
        }
      })
      const events = yield* Watch.watch(core.ConfigMap, {
        sendInitialEvents: true,
        retrySchedule: fast
      }).pipe(Stream.take(4), Stream.runCollect, Effect.provide(layerFor(srv.url)))
      expect(Chunk.toReadonlyArray(events).map(describeEvent)).toEqual([
        "Added a",
        "Added a",
        "Bookmark 12 end",
        "Added c"
      ])
      // Not from "7" (an initial event's version): the initial events again, then from the bookmark.
      expect(srv.requests.map(describeRequest)).toEqual([
        "watch rv= stream match=NotOlderThan bookmarks=true",
        "watch rv= stream match=NotOlderThan bookmarks=true",
        "watch rv=12"
      ])
    })
  )

  it.scopedLive(
    "a server without the feature (422) is served by a list with the same events, and never asked again",
    () =>
      Effect.gen(function* () {
        const srv = yield* fakeServer({
          handle: withoutWatchList((url, res, n) => {
            if (isList(url)) res.end(list("20", ["a", "b"]))
            // The first watch fails (retried), the next one brings a change.
            else if (n === 3) res.destroy()
            else res.write(line("DELETED", cmObject("a", "21")))
          })
        })
        const events = yield* Watch.watch(core.ConfigMap, {
          sendInitialEvents: true,
          resourceVersion: "0",
          retrySchedule: fast
        }).pipe(Stream.take(4), Stream.runCollect, Effect.provide(layerFor(srv.url)))
        expect(Chunk.toReadonlyArray(events).map(describeEvent)).toEqual([
          "Added a",
          "Added b",
          "Bookmark 20 end",
          "Deleted a"
        ])
        expect(srv.requests.map(describeRequest)).toEqual([
          "watch rv=0 stream match=NotOlderThan bookmarks=true",
          "list rv=0",
          "watch rv=20",
          "watch rv=20"
        ])
      })
  )

  it.scopedLive(
    "the fallback list of a version asks for one not older (a paged list at a version is exact)",
    () =>
      Effect.gen(function* () {
        const srv = yield* fakeServer({
          handle: withoutWatchList((url, res) => {
            if (isList(url)) res.end(list("20", ["a"]))
            else res.write(line("ADDED", cmObject("b", "21")))
          })
        })
        const events = yield* Watch.watch(core.ConfigMap, {
          sendInitialEvents: true,
          resourceVersion: "5",
          retrySchedule: fast
        }).pipe(Stream.take(3), Stream.runCollect, Effect.provide(layerFor(srv.url)))
        expect(Chunk.toReadonlyArray(events).map(describeEvent)).toEqual([
          "Added a",
          "Bookmark 20 end",
          "Added b"
        ])
        expect(srv.requests.map(describeRequest)).toEqual([
          "watch rv=5 stream match=NotOlderThan bookmarks=true",
          "list rv=5 match=NotOlderThan",
          "watch rv=20"
        ])
      })
  )

  it.scopedLive(
    "another refusal (a selector the server cannot parse) is no fallback: it fails the stream",
    () =>
      Effect.gen(function* () {
        const srv = yield* fakeServer({
          handle: (_url, res) => {
            res.writeHead(400, { "content-type": "application/json" })
            res.end(
              JSON.stringify({
                kind: "Status",
                apiVersion: "v1",
                status: "Failure",
                code: 400,
                reason: "BadRequest",
                message: "unable to parse requirement: found '=', expected: identifier"
              })
            )
          }
        })
        const error = yield* Watch.watch(core.ConfigMap, {
          sendInitialEvents: true,
          retrySchedule: fast
        }).pipe(Stream.runDrain, Effect.flip, Effect.provide(layerFor(srv.url)))
        expect(error).toMatchObject({ _tag: "ApiError", code: 400 })
        expect(srv.requests).toHaveLength(1)
      })
  )
})

describe("Watch.watcher with sendInitialEvents (scripted newer server)", () => {
  it.scopedLive(
    "Init, InitApply..., InitDone at the bookmark, then changes; a cut before InitDone starts over with Init",
    () =>
      Effect.gen(function* () {
        const srv = yield* fakeServer({
          handle: (_url, res, n) => {
            res.writeHead(200, { "content-type": "application/json" })
            if (n === 1) {
              res.end(line("ADDED", cmObject("gone", "4")))
            } else if (n === 2) {
              res.write(line("ADDED", cmObject("a", "7")))
              res.write(endBookmark("10"))
              res.end(line("MODIFIED", cmObject("a", "11")))
            } else {
              res.write(line("DELETED", cmObject("a", "12")))
            }
          }
        })
        const events = yield* Watch.watcher(core.ConfigMap, {
          sendInitialEvents: true,
          resourceVersion: "0",
          retrySchedule: fast
        }).pipe(Stream.take(7), Stream.runCollect, Effect.provide(layerFor(srv.url)))
        expect(Chunk.toReadonlyArray(events).map(describeWatcherEvent)).toEqual([
          "Init",
          "InitApply gone",
          "Init",
          "InitApply a",
          "InitDone 10",
          "Apply a",
          "Delete a"
        ])
        // No list request at all; after the state, the watch goes on from the last change.
        expect(srv.requests.map(describeRequest)).toEqual([
          "watch rv=0 stream match=NotOlderThan bookmarks=true",
          "watch rv=0 stream match=NotOlderThan bookmarks=true",
          "watch rv=11"
        ])
      })
  )

  it.scopedLive("a 410 relists by a streaming list of the most recent state", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res, n) => {
          res.writeHead(200, { "content-type": "application/json" })
          if (n === 1) {
            res.write(endBookmark("10"))
            res.end(expired)
          } else {
            res.write(line("ADDED", cmObject("b", "30")))
            res.write(endBookmark("31"))
          }
        }
      })
      const events = yield* Watch.watcher(core.ConfigMap, {
        sendInitialEvents: true,
        retrySchedule: fast
      }).pipe(Stream.take(5), Stream.runCollect, Effect.provide(layerFor(srv.url)))
      expect(Chunk.toReadonlyArray(events).map(describeWatcherEvent)).toEqual([
        "Init",
        "InitDone 10",
        "Init",
        "InitApply b",
        "InitDone 31"
      ])
      expect(srv.requests.map(describeRequest)).toEqual([
        "watch rv= stream match=NotOlderThan bookmarks=true",
        "watch rv= stream match=NotOlderThan bookmarks=true"
      ])
    })
  )

  it.scopedLive("a server without the feature is listed instead, for the watcher's whole life", () =>
    Effect.gen(function* () {
      let lists = 0
      const srv = yield* fakeServer({
        handle: withoutWatchList((url, res) => {
          if (isList(url)) {
            lists++
            res.end(list(String(100 * lists), [`v${lists}`]))
          } else if (lists === 1) res.end(expired)
          else res.write(line("ADDED", cmObject("later", "201")))
        })
      })
      const events = yield* Watch.watcher(core.ConfigMap, {
        sendInitialEvents: true,
        resourceVersion: "0",
        retrySchedule: fast
      }).pipe(Stream.take(7), Stream.runCollect, Effect.provide(layerFor(srv.url)))
      expect(Chunk.toReadonlyArray(events).map(describeWatcherEvent)).toEqual([
        "Init",
        "InitApply v1",
        "InitDone 100",
        "Init",
        "InitApply v2",
        "InitDone 200",
        "Apply later"
      ])
      // The first list keeps the asked version; the relist after the 410 reads the most recent.
      expect(srv.requests.map(describeRequest)).toEqual([
        "watch rv=0 stream match=NotOlderThan bookmarks=true",
        "list rv=0",
        "watch rv=100",
        "list rv=",
        "watch rv=200"
      ])
    })
  )
})

describe("streaming lists on the in-memory cluster", () => {
  const seed = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "ns" } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b", namespace: "ns" } }
  ]

  it.live("the watcher gets the state by a streaming list, then changes", () =>
    Effect.gen(function* () {
      const done = yield* Deferred.make<void>()
      const fiber = yield* Watch.watcher(core.ConfigMap, { namespace: "ns", sendInitialEvents: true }).pipe(
        Stream.tap((e) => (e._tag === "InitDone" ? Deferred.succeed(done, undefined) : Effect.void)),
        Stream.take(5),
        Stream.runCollect,
        Effect.fork
      )
      yield* Deferred.await(done)
      yield* Client.create(core.ConfigMap, { metadata: { name: "c", namespace: "ns" } })
      const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber)).map((e) =>
        e._tag === "InitDone" ? "InitDone" : describeWatcherEvent(e)
      )
      expect(events).toEqual(["Init", "InitApply a", "InitApply b", "InitDone", "Apply c"])
    }).pipe(Effect.provide(InMemoryCluster.layer({ objects: seed })))
  )

  it.live("the raw watch's initial events end with the annotated bookmark at the cluster's version", () =>
    Effect.gen(function* () {
      const { resourceVersion } = yield* Client.listAll(core.ConfigMap, { namespace: "ns" })
      const events = yield* Watch.watch(core.ConfigMap, { namespace: "ns", sendInitialEvents: true }).pipe(
        Stream.take(3),
        Stream.runCollect
      )
      expect(Chunk.toReadonlyArray(events).map(describeEvent)).toEqual([
        "Added a",
        "Added b",
        `Bookmark ${resourceVersion} end`
      ])
    }).pipe(Effect.provide(InMemoryCluster.layer({ objects: seed })))
  )
})
