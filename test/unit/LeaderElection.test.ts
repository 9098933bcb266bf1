import { HttpClient, HttpClientError } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Clock, Deferred, Effect, Exit, Fiber, Layer, Option } from "effect"
import { Client, LeaderElection } from "../../src/index.js"
import * as coordination from "../../src/models/coordination/v1.js"
import { Eventually, InMemoryCluster } from "../../src/testing/index.js"

const cluster = () =>
  InMemoryCluster.layer({ objects: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } }] })

// Short periods (the real apiserver test uses others): lease 2 s, renew deadline 1.5 s, retry 0.2 s
// (a pause of over a second on a loaded machine would be needed to lose a leadership by accident).
const timing = {
  leaseDuration: "2 seconds",
  renewDeadline: "1500 millis",
  retryPeriod: "200 millis"
} as const

interface Interval {
  readonly who: string
  readonly start: number
  end: number
}

/** A log of leading intervals (the live clock's milliseconds), and a body that records one. */
const makeLog = () => {
  const intervals: Array<Interval> = []
  const body = <A, E, R>(who: string, inner: Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      const interval: Interval = { who, start: yield* Clock.currentTimeMillis, end: Number.POSITIVE_INFINITY }
      intervals.push(interval)
      return yield* inner.pipe(
        Effect.ensuring(Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => (interval.end = t))))
      )
    })
  const overlaps = () => {
    const sorted = [...intervals].sort((a, b) => a.start - b.start)
    return sorted.some((interval, i) => i > 0 && interval.start < (sorted[i - 1]?.end ?? 0))
  }
  return { intervals, body, overlaps }
}

/** The cluster's client for one candidate, which `cut` disconnects (every request fails as a network failure). */
const candidateClient = (cut: { value: boolean }) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (http) =>
      HttpClient.transform(http, (effect, request) =>
        cut.value
          ? Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: "cut" }))
          : effect
      )
    )
  )

const lease = Effect.map(Client.get(coordination.Lease, "elect"), (l) => l.spec ?? {})

describe("LeaderElection", () => {
  it.live(
    "one leader at a time: bodies longer than the lease duration (renewed meanwhile), handed over at once by release",
    () =>
      Effect.gen(function* () {
        const log = makeLog()
        const candidates = ["a", "b", "c"].map((who) =>
          LeaderElection.run(log.body(who, Effect.sleep("2200 millis").pipe(Effect.as(who))), {
            lease: "elect",
            identity: who,
            ...timing
          })
        )
        const results = yield* Effect.all(candidates, { concurrency: "unbounded" })
        expect([...results].sort()).toEqual(["a", "b", "c"])
        expect(log.intervals.map((i) => i.who).sort()).toEqual(["a", "b", "c"])
        expect(log.overlaps()).toBe(false)
        const spec = yield* lease
        expect(spec.holderIdentity).toBe("")
        expect(spec.leaseDurationSeconds).toBe(1)
        expect(spec.leaseTransitions).toBe(2) // created by the first, then two transitions
      }).pipe(Effect.provide(cluster())),
    20_000
  )

  it.live(
    "a lease nobody renews is taken after the lease duration counted locally, whatever its renewTime says",
    () =>
      Effect.gen(function* () {
        for (const renewTime of ["2000-01-01T00:00:00.000000Z", "2100-01-01T00:00:00.000000Z"]) {
          const name = renewTime.startsWith("2000") ? "past" : "future"
          yield* Client.create(coordination.Lease, {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name },
            spec: { holderIdentity: "ghost", leaseDurationSeconds: 1, renewTime, acquireTime: renewTime }
          })
          const start = yield* Clock.currentTimeMillis
          const took = yield* LeaderElection.run(Clock.currentTimeMillis, {
            lease: name,
            identity: "me",
            ...timing
          })
          expect(took - start).toBeGreaterThanOrEqual(1000)
          const spec = (yield* Client.get(coordination.Lease, name)).spec
          expect(spec?.leaseTransitions).toBe(1)
          expect(spec?.holderIdentity).toBe("") // released
        }
      }).pipe(Effect.provide(cluster()))
  )

  it.live(
    "fencing: a leader cut off is interrupted within the renew deadline, before another leads; run fails with LeadershipLost",
    () =>
      Effect.gen(function* () {
        const log = makeLog()
        const cutA = { value: false }
        const leadingA = yield* Deferred.make<void>()
        const a = yield* LeaderElection.run(
          log.body("a", Effect.zipRight(Deferred.succeed(leadingA, undefined), Effect.never)),
          { lease: "elect", identity: "a", ...timing }
        ).pipe(Effect.provide(candidateClient(cutA)), Effect.fork)
        yield* Deferred.await(leadingA)
        const b = yield* LeaderElection.run(log.body("b", Effect.succeed("b")), {
          lease: "elect",
          identity: "b",
          ...timing
        }).pipe(Effect.fork)
        yield* Effect.sleep("2500 millis") // b waits while a renews (longer than the lease)
        expect(log.intervals.map((i) => i.who)).toEqual(["a"])
        cutA.value = true
        const exitA = yield* Fiber.await(a)
        const lost = Exit.isFailure(exitA)
          ? Option.getOrUndefined(Cause.failureOption(exitA.cause))
          : undefined
        expect(lost).toMatchObject({ _tag: "LeadershipLost", reason: "RenewDeadline", identity: "a" })
        expect(yield* Fiber.join(b)).toBe("b")
        expect(log.intervals.map((i) => i.who)).toEqual(["a", "b"])
        expect(log.overlaps()).toBe(false)
      }).pipe(Effect.provide(cluster())),
    15_000
  )

  it.live(
    "interrupted from outside: the lease is renewed while the body's finalizers run, then released; nobody leads meanwhile",
    () =>
      Effect.gen(function* () {
        const log = makeLog()
        const leadingA = yield* Deferred.make<void>()
        const a = yield* LeaderElection.run(
          log.body(
            "a",
            Effect.zipRight(Deferred.succeed(leadingA, undefined), Effect.never).pipe(
              // A slow shutdown: longer than the lease.
              Effect.onInterrupt(() => Effect.sleep("2500 millis"))
            )
          ),
          { lease: "elect", identity: "a", ...timing }
        ).pipe(Effect.fork)
        yield* Deferred.await(leadingA)
        const b = yield* LeaderElection.run(log.body("b", Effect.succeed("b")), {
          lease: "elect",
          identity: "b",
          ...timing
        }).pipe(Effect.fork)
        yield* Effect.sleep("300 millis")
        yield* Fiber.interrupt(a)
        expect(yield* Fiber.join(b)).toBe("b")
        expect(log.intervals.map((i) => i.who)).toEqual(["a", "b"])
        expect(log.overlaps()).toBe(false)
      }).pipe(Effect.provide(cluster())),
    15_000
  )

  it.live("a lease deleted while another held it is not taken before that holder's lease would expire", () =>
    Effect.gen(function* () {
      yield* Client.create(coordination.Lease, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "elect" },
        spec: { holderIdentity: "ghost", leaseDurationSeconds: 2 }
      })
      const start = yield* Clock.currentTimeMillis
      const b = yield* LeaderElection.run(Clock.currentTimeMillis, {
        lease: "elect",
        identity: "b",
        ...timing
      }).pipe(Effect.fork)
      yield* Effect.sleep("400 millis") // b has read the lease held by ghost
      yield* Client.delete(coordination.Lease, "elect")
      const took = yield* Fiber.join(b)
      expect(took - start).toBeGreaterThanOrEqual(2000)
    }).pipe(Effect.provide(cluster()))
  )

  it.live("a leader that reads another holder in the lease stops at once (HeldByOther)", () =>
    Effect.gen(function* () {
      const leading = yield* Deferred.make<void>()
      const a = yield* LeaderElection.run(
        Effect.zipRight(Deferred.succeed(leading, undefined), Effect.never),
        {
          lease: "elect",
          identity: "a",
          ...timing,
          // A renew deadline the test cannot reach: only the other holder can end the leadership.
          leaseDuration: "60 seconds",
          renewDeadline: "50 seconds"
        }
      ).pipe(Effect.fork)
      yield* Deferred.await(leading)
      yield* Client.retryOnConflict(
        Effect.flatMap(Client.get(coordination.Lease, "elect"), (l) =>
          Client.replace(coordination.Lease, { ...l, spec: { ...l.spec, holderIdentity: "usurper" } })
        )
      )
      const exit = yield* Fiber.await(a)
      const lost = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
      expect(lost).toMatchObject({ _tag: "LeadershipLost", reason: "HeldByOther", holder: "usurper" })
      expect((yield* lease).holderIdentity).toBe("usurper") // not released: not ours
    }).pipe(Effect.provide(cluster()))
  )

  it.live("interrupting run interrupts the body and releases the lease; a failing body releases it too", () =>
    Effect.gen(function* () {
      const leading = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      const fiber = yield* LeaderElection.run(
        Effect.zipRight(Deferred.succeed(leading, undefined), Effect.never).pipe(
          Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
        ),
        { lease: "elect", identity: "a", ...timing }
      ).pipe(Effect.fork)
      yield* Deferred.await(leading)
      expect((yield* lease).holderIdentity).toBe("a")
      yield* Fiber.interrupt(fiber)
      expect(yield* Deferred.isDone(interrupted)).toBe(true)
      expect(yield* lease).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1 })

      const failed = yield* Effect.flip(
        LeaderElection.run(Effect.fail("boom" as const), { lease: "elect", identity: "b", ...timing })
      )
      expect(failed).toBe("boom")
      expect(yield* lease).toMatchObject({ holderIdentity: "", leaseTransitions: 1 })
    }).pipe(Effect.provide(cluster()))
  )

  it.live("invalid options fail with InvalidRequest before anything is sent", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<LeaderElection.Options> = [
        { lease: "x", leaseDuration: "1500 millis" },
        { lease: "x", leaseDuration: "0 seconds" },
        { lease: "x", leaseDuration: "10 seconds", renewDeadline: "10 seconds" },
        { lease: "x", renewDeadline: "2 seconds", retryPeriod: "2 seconds" },
        { lease: "x", retryPeriod: "0 millis" },
        { lease: "" },
        { lease: "x", identity: "" },
        { lease: "../x" }
      ]
      for (const options of cases) {
        const error = yield* Effect.flip(LeaderElection.run(Effect.void, options))
        expect(error._tag).toBe("InvalidRequest")
      }
      expect((yield* Client.listAll(coordination.Lease)).items).toEqual([])
    }).pipe(Effect.provide(cluster()))
  )

  it.live("a candidate keeps reading through failures and leads once the apiserver answers", () =>
    Effect.gen(function* () {
      const c = yield* InMemoryCluster.InMemoryCluster
      yield* c.failNext(5, 503, "ServiceUnavailable")
      const who = yield* LeaderElection.run(Effect.succeed("led"), {
        lease: "elect",
        identity: "a",
        ...timing
      })
      expect(who).toBe("led")
      yield* Eventually.eventually(Effect.map(lease, (s) => expect(s.holderIdentity).toBe("")))
    }).pipe(Effect.provide(cluster()))
  )
})
