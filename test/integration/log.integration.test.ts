import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Stream } from "effect"
import { afterAll, beforeAll, inject } from "vitest"
import { Client, PodLog } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import * as Kubelet from "../harness/FakeKubelet.js"
import { podOn } from "../harness/Fixtures.js"
import { clientLayer, unique } from "../harness/Namespace.js"

const env = inject("envtest")
const ns = unique("logs")
const admin = clientLayer(env.kubeconfigs["admin-cert"], { namespace: ns })
let kubelet: Kubelet.FakeKubelet

const t0 = new Date("2026-01-01T00:00:00Z")
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000)

const pod = (name: string, containers: ReadonlyArray<string>) => podOn(kubelet.nodeName, name, containers)

beforeAll(async () => {
  kubelet = await Kubelet.start(env, unique("fake-node"))
  kubelet.logs.set(`${ns}/app/main`, {
    lines: [
      { time: at(0), text: "first" },
      { time: at(10), text: "héllo wörld — 日本語 🎉" },
      { time: at(20), text: "third" },
      { time: at(30), text: "last line, no newline" }
    ],
    previous: [{ time: at(-100), text: "from the previous container" }],
    chunkBytes: 3,
    noFinalNewline: true
  })
  kubelet.logs.set(`${ns}/multi/a`, { lines: [{ time: at(0), text: "from a" }] })
  kubelet.logs.set(`${ns}/multi/b`, { lines: [{ time: at(0), text: "from b" }] })
  kubelet.logs.set(`${ns}/follow/main`, { lines: [{ time: new Date(), text: "start" }], trickleMs: 20 })
  kubelet.logs.set(`${ns}/dropped/main`, { lines: [], trickleMs: 15, dropFirstFollowAfterMs: 250 })
  // Cut inside a line's text, and inside a line's timestamp (the apiserver passes the piece on).
  kubelet.logs.set(`${ns}/cut-text/main`, {
    lines: [],
    trickleMs: 15,
    dropFirstFollowAfterMs: 200,
    cutLineAtByte: 33
  })
  kubelet.logs.set(`${ns}/cut-stamp/main`, {
    lines: [],
    trickleMs: 15,
    dropFirstFollowAfterMs: 200,
    cutLineAtByte: 12
  })
  await Effect.runPromise(
    Effect.gen(function* () {
      yield* Client.create(core.Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })
      yield* Kubelet.registerNode(kubelet)
      yield* Client.create(core.Pod, pod("app", ["main"]))
      yield* Client.create(core.Pod, pod("multi", ["a", "b"]))
      yield* Client.create(core.Pod, pod("follow", ["main"]))
      yield* Client.create(core.Pod, pod("dropped", ["main"]))
      yield* Client.create(core.Pod, pod("cut-text", ["main"]))
      yield* Client.create(core.Pod, pod("cut-stamp", ["main"]))
    }).pipe(Effect.provide(admin))
  )
}, 60_000)
afterAll(async () => {
  await kubelet?.close()
})

const lines = (name: string, options: PodLog.LogOptions = {}) =>
  PodLog.log(name, options).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray), Effect.provide(admin))

describe("log through the real apiserver and a fake kubelet", () => {
  it.live(
    "lines split across chunks and UTF-8 characters split across chunks come out whole, the last one too",
    () =>
      Effect.gen(function* () {
        expect(yield* lines("app")).toEqual([
          "first",
          "héllo wörld — 日本語 🎉",
          "third",
          "last line, no newline"
        ])
      })
  )

  it.live("tailLines, timestamps, sinceTime, since, previous, limitBytes, newlines, container", () =>
    Effect.gen(function* () {
      expect(yield* lines("app", { tailLines: 2 })).toEqual(["third", "last line, no newline"])
      const stamped = yield* lines("app", { timestamps: true, tailLines: 1 })
      expect(stamped[0]).toMatch(/^2026-01-01T00:00:30\.000000000Z last line, no newline$/)
      expect(yield* lines("app", { sinceTime: at(15) })).toEqual(["third", "last line, no newline"])
      expect(yield* lines("app", { sinceTime: at(15).toISOString() })).toHaveLength(2)
      // All lines are older than a minute ago.
      expect(yield* lines("app", { since: "1 minute" })).toEqual([])
      expect(yield* lines("app", { previous: true })).toEqual(["from the previous container"])
      expect(yield* lines("app", { limitBytes: 9 })).toEqual(["first", "hé"])
      // A cut in the middle of a character drops the partial character.
      expect(yield* lines("app", { limitBytes: 8 })).toEqual(["first", "h"])
      expect(yield* lines("app", { newlines: true, tailLines: 2 })).toEqual([
        "third\n",
        "last line, no newline\n"
      ])
      expect(yield* lines("multi", { container: "b" })).toEqual(["from b"])
      const sent = kubelet.requests.map((u) => `${u.pathname}?${u.searchParams.toString()}`)
      expect(sent).toContain(`/containerLogs/${ns}/app/main?previous=true`)
      expect(sent.some((s) => s.includes("sinceSeconds=60"))).toBe(true)
    })
  )

  it.live("errors are ApiErrors with the server's Status", () =>
    Effect.gen(function* () {
      const missing = yield* Effect.flip(lines("nope"))
      expect(missing).toMatchObject({ _tag: "ApiError", reason: "NotFound" })
      const ambiguous = yield* Effect.flip(lines("multi"))
      expect(ambiguous).toMatchObject({ _tag: "ApiError", code: 400 })
      expect(ambiguous.message).toContain("a container name must be specified")
      const badContainer = yield* Effect.flip(lines("multi", { container: "c", follow: true }))
      expect(badContainer).toMatchObject({ _tag: "ApiError", code: 400 })
    })
  )

  it.live("follow streams new lines; interrupting closes the kubelet's connection", () =>
    Effect.gen(function* () {
      const fiber = yield* PodLog.log("follow", { follow: true }).pipe(
        Stream.take(5),
        Stream.runCollect,
        Effect.provide(admin),
        Effect.fork
      )
      const got = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
      expect(got[0]).toBe("start")
      expect(got.slice(1)).toEqual(["tick 1", "tick 2", "tick 3", "tick 4"])
      // The stream ended after 5 lines: the connection through the apiserver to the kubelet is closed.
      yield* Effect.promise(async () => {
        for (let i = 0; i < 100 && kubelet.openFollows() > 0; i++) await new Promise((r) => setTimeout(r, 20))
      })
      expect(kubelet.openFollows()).toBe(0)
    })
  )

  it.live("a dropped follow resumes from the last line's timestamp, losing and repeating nothing", () =>
    Effect.gen(function* () {
      const got = yield* PodLog.log("dropped", { follow: true, resume: true }).pipe(
        Stream.take(40),
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray),
        Effect.provide(admin)
      )
      expect(got).toEqual(Array.from({ length: 40 }, (_, i) => `tick ${i + 1}`))
      const follows = kubelet.requests.filter((u) => u.pathname.endsWith("/dropped/main"))
      expect(follows.length).toBeGreaterThanOrEqual(2)
      expect(follows[1]?.searchParams.get("sinceTime")).toMatch(/^2\d{3}-/)
    })
  )

  it.live(
    "a follow cut inside a line (its text or its timestamp) resumes without a piece of it or a loss",
    () =>
      Effect.gen(function* () {
        for (const name of ["cut-text", "cut-stamp"]) {
          const got = yield* PodLog.log(name, { follow: true, resume: true }).pipe(
            Stream.take(30),
            Stream.runCollect,
            Effect.map(Chunk.toReadonlyArray),
            Effect.provide(admin)
          )
          expect(got).toEqual(Array.from({ length: 30 }, (_, i) => `tick ${i + 1}`))
          const follows = kubelet.requests.filter((u) => u.pathname.endsWith(`/${name}/main`))
          expect(follows.length).toBeGreaterThanOrEqual(2)
        }
      })
  )
})
