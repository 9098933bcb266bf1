/**
 * Leader election on a `coordination.k8s.io/v1` Lease, with client-go's semantics
 * (`leaderelection.LeaderElector` with a `LeaseLock`): one of several processes runs a body at a
 * time; the others wait, and take over when the leader ends, stops renewing, or dies.
 *
 * - **Acquiring**: a candidate reads the Lease every `retryPeriod` (after a failure, jittered by up
 *   to 20%). A Lease
 *   held by another is free once `leaseDurationSeconds` (the holder's own figure) have passed since
 *   this candidate last *saw the Lease change* (from the start of the read that saw it, when that
 *   read was quick, else from its end): the holder's `renewTime` is never compared with the local
 *   clock, so clock skew between machines does not matter (client-go's rule). When the
 *   expiry falls before the next read, the candidate reads at the expiry. The write that takes the
 *   Lease carries the `resourceVersion` read, so of two candidates only one wins.
 * - **Leading**: the leader renews every `retryPeriod`. If no renewal succeeds within
 *   `renewDeadline` of the start of the last successful one (apiserver down, connection cut,
 *   requests slow), or a read shows another holder, leadership is lost: the body is interrupted,
 *   and `run` fails with {@link LeadershipLost} once the body has ended. Since the others wait
 *   `leaseDuration` from a moment after that renewal, the body has `leaseDuration - renewDeadline`
 *   (5 s by default) to end before anyone else can lead (fencing). A body that holds off
 *   interruption longer than that can overlap with the next leader.
 * - **Interrupted from outside**, the body ends first (its finalizers run while the Lease is still
 *   renewed), then the renewals.
 * - **Releasing**: when the body ends (success, failure, interruption, or a renew deadline passed),
 *   the Lease is released if it still names this candidate (`holderIdentity: ""`,
 *   `leaseDurationSeconds: 1`, as client-go's `ReleaseOnCancel`), so the next candidate takes over
 *   at its next read instead of after `leaseDuration`.
 * - A Lease deleted while another held it is free only once that holder's lease would have expired.
 *
 * Each acquisition is a span (`LeaderElection.acquire`); becoming leader, losing and releasing are
 * logged at Info or Warning, new holders seen by a candidate at Info, failed renewals at Debug;
 * `Metrics.leaderElectionLeading` is 1 while leading.
 *
 * @since 0.1.0
 */
import { Cause, Chunk, Clock, Data, Duration, Effect, Either, Fiber, Metric, Option, Random } from "effect"
import { dual } from "effect/Function"
import * as ApiRequest from "../client/ApiRequest.js"
import * as Client from "../client/Client.js"
import * as ApiError from "../http/ApiError.js"
import * as metricKeys from "../http/internal/metricKeys.js"
import { messageOf } from "../internal/causes.js"
import * as coordination from "../models/coordination/v1.js"
import { checkSegment, InvalidRequest } from "../resource/InvalidRequest.js"
import * as MicroTime from "./internal/microTime.js"

/**
 * Options of {@link run}. The defaults are client-go's (and kube-controller-manager's): 15 s,
 * 10 s, 2 s.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The Lease's name (created when absent). */
  readonly lease: string
  /** The Lease's namespace. Default: the KubeConfig's namespace. */
  readonly namespace?: string | undefined
  /**
   * This candidate's identity, unique among the candidates (e.g. the pod's name). Default: a
   * random one per call of {@link run}.
   */
  readonly identity?: string | undefined
  /** How long others wait after they last saw the Lease change. Whole seconds, at least 1 s. Default: 15 s. */
  readonly leaseDuration?: Duration.DurationInput | undefined
  /** How long the leader keeps leading without a successful renewal. Default: 10 s. */
  readonly renewDeadline?: Duration.DurationInput | undefined
  /** How often candidates read and the leader renews. Default: 2 s. */
  readonly retryPeriod?: Duration.DurationInput | undefined
  /** Release the Lease when the body ends. Default: true. */
  readonly releaseOnExit?: boolean | undefined
}

/**
 * Leadership was lost while the body ran: no renewal succeeded within the renew deadline
 * (`RenewDeadline`), or the Lease was seen held by another (`HeldByOther`). The body was
 * interrupted and has ended.
 *
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { LeaderElection } from "effect-kube"
 *
 * declare const work: Effect.Effect<never>
 * // Compete again after a lost leadership, forever.
 * const program = LeaderElection.run(work, { lease: "my-controller" }).pipe(
 *   Effect.retry({ while: (e) => e._tag === "LeadershipLost", schedule: Schedule.spaced("1 second") })
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class LeadershipLost extends Data.TaggedError("LeadershipLost")<{
  readonly lease: string
  readonly identity: string
  readonly reason: "RenewDeadline" | "HeldByOther"
  /** The other holder (`HeldByOther`). */
  readonly holder?: string | undefined
}> {
  override get message(): string {
    return this.reason === "HeldByOther"
      ? `lost the lease ${this.lease}: it is held by ${this.holder ?? "another"}`
      : `lost the lease ${this.lease}: no renewal succeeded within the renew deadline`
  }
}

interface Settings {
  readonly lease: string
  readonly namespace: string | undefined
  readonly identity: string
  readonly leaseDurationSeconds: number
  readonly renewDeadline: number
  readonly retryPeriod: number
  /** The longest read counted from its start: a tenth of `leaseDuration - renewDeadline`. */
  readonly readSlack: number
  readonly release: boolean
}

const JITTER = 0.2

const settingsOf = (options: Options): Effect.Effect<Settings, InvalidRequest> =>
  Effect.gen(function* () {
    const millis = (input: Duration.DurationInput | undefined, fallback: number) =>
      input === undefined ? fallback : Duration.toMillis(Duration.decode(input))
    const leaseDuration = millis(options.leaseDuration, 15_000)
    const renewDeadline = millis(options.renewDeadline, 10_000)
    const retryPeriod = millis(options.retryPeriod, 2_000)
    const invalid = (detail: string) =>
      Effect.fail(new InvalidRequest({ detail: `leader election: ${detail}` }))
    if (
      !(leaseDuration >= 1000) ||
      !Number.isInteger(leaseDuration / 1000) ||
      !Number.isFinite(leaseDuration)
    ) {
      return yield* invalid("leaseDuration must be a whole number of seconds, at least 1 second")
    }
    if (!(retryPeriod > 0) || !Number.isFinite(retryPeriod))
      return yield* invalid("retryPeriod must be positive")
    if (!(renewDeadline < leaseDuration))
      return yield* invalid("renewDeadline must be less than leaseDuration")
    if (!(renewDeadline > retryPeriod * (1 + JITTER))) {
      return yield* invalid("renewDeadline must be more than 1.2 times retryPeriod")
    }
    yield* checkSegment("name", options.lease)
    if (options.namespace !== undefined) yield* checkSegment("namespace", options.namespace)
    const identity =
      options.identity ?? `effect-kube-${(yield* Random.nextInt).toString(36)}${Date.now().toString(36)}`
    if (identity === "") return yield* invalid("the identity must not be empty")
    return {
      lease: options.lease,
      namespace: options.namespace,
      identity,
      leaseDurationSeconds: leaseDuration / 1000,
      renewDeadline,
      retryPeriod,
      readSlack: (leaseDuration - renewDeadline) / 10,
      release: options.releaseOnExit ?? true
    }
  })

/** Monotonic milliseconds (Effect's clock: `process.hrtime` on Node), for every timing decision. */
const now = Effect.map(Clock.currentTimeNanos, (nanos) => Number(nanos / 1_000_000n))

/** A `MicroTime` as the apiserver writes it (six fraction digits). */
const microTime = Effect.map(Clock.currentTimeMillis, MicroTime.microTime)

type Outcome =
  /** Leading since a write sent at `sentAt` (others count the lease from a moment after it). */
  | { readonly _tag: "Leading"; readonly sentAt: number }
  | { readonly _tag: "Held"; readonly holder: string; readonly expiresAt: number }

/** What a candidate knows of the Lease: the last version it read or wrote, and when it changed. */
class Observed {
  lease: coordination.Lease | undefined = undefined
  raw = ""
  at = 0
  get holder(): string {
    return this.lease?.spec?.holderIdentity ?? ""
  }
  /** Records `lease` read or written at `at`; the time moves only when the Lease changed. */
  see(lease: coordination.Lease, at: number): void {
    const raw = JSON.stringify(lease.spec ?? {})
    this.lease = lease
    if (raw !== this.raw) {
      this.raw = raw
      this.at = at
    }
  }
  expiresAt(fallbackSeconds: number): number {
    const seconds = this.lease?.spec?.leaseDurationSeconds ?? fallbackSeconds
    return this.at + seconds * 1000
  }
}

const makeElector = (settings: Settings) => {
  const observed = new Observed()
  /** Whether a write that takes the Lease was sent (it may have taken it, answered or not). */
  const wrote = { value: false }
  const where = { namespace: settings.namespace }
  const ours = (spec: coordination.LeaseSpec): coordination.LeaseSpec => ({
    ...spec,
    holderIdentity: settings.identity,
    leaseDurationSeconds: settings.leaseDurationSeconds
  })

  /** client-go's `tryAcquireOrRenew`. */
  const attempt: Effect.Effect<Outcome, Client.ClientError, Client.Requirements> = Effect.gen(function* () {
    const time = yield* microTime
    // Fast path: the leader writes over the version it knows.
    const known = observed.lease
    if (
      known !== undefined &&
      observed.holder === settings.identity &&
      (yield* now) < observed.expiresAt(0)
    ) {
      const sentAt = yield* now
      wrote.value = true
      const renewed = yield* Effect.either(
        Client.replace(
          coordination.Lease,
          { ...known, spec: ours({ ...known.spec, renewTime: time }) },
          where
        )
      )
      if (Either.isRight(renewed)) {
        observed.see(renewed.right, yield* now)
        return { _tag: "Leading", sentAt }
      }
    }
    const readAt = yield* now
    const read = yield* Client.getOption(coordination.Lease, settings.lease, where)
    const readEnd = yield* now
    if (Option.isNone(read)) {
      // Deleted while another held it: it is not free before that holder's lease would expire
      // (the holder may lead until its next renewal).
      const last = observed.holder
      const lastExpiry = observed.expiresAt(settings.leaseDurationSeconds)
      if (last !== "" && last !== settings.identity && readEnd < lastExpiry) {
        return { _tag: "Held", holder: last, expiresAt: lastExpiry }
      }
      const sentAt = yield* now
      wrote.value = true
      const created = yield* Client.create(
        coordination.Lease,
        {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: settings.lease },
          spec: ours({ acquireTime: time, renewTime: time, leaseTransitions: 0 })
        },
        where
      )
      observed.see(created, yield* now)
      return { _tag: "Leading", sentAt }
    }
    const lease = read.value
    // The Lease was written before the read ended; a quick read counts from its start (the
    // holder's deadline runs from before its write was sent: still `leaseDuration - renewDeadline`
    // apart, but for a tenth), a slow one from its end.
    observed.see(lease, readEnd - readAt <= settings.readSlack ? readAt : readEnd)
    const holder = observed.holder
    const expiresAt = observed.expiresAt(settings.leaseDurationSeconds)
    if (holder !== "" && holder !== settings.identity && (yield* now) < expiresAt) {
      return { _tag: "Held", holder, expiresAt }
    }
    const spec = lease.spec ?? {}
    const next: coordination.LeaseSpec =
      holder === settings.identity
        ? ours({ ...spec, renewTime: time })
        : ours({
            ...spec,
            acquireTime: time,
            renewTime: time,
            leaseTransitions: (spec.leaseTransitions ?? 0) + 1
          })
    const sentAt = yield* now
    wrote.value = true
    const written = yield* Client.replace(coordination.Lease, { ...lease, spec: next }, where)
    observed.see(written, yield* now)
    return { _tag: "Leading", sentAt }
  })

  /** Gives the Lease up if this candidate still holds it (client-go's `release`). */
  const release = Effect.gen(function* () {
    const read = yield* Client.getOption(coordination.Lease, settings.lease, where)
    if (Option.isNone(read) || read.value.spec?.holderIdentity !== settings.identity) return false
    const time = yield* microTime
    const lease = read.value
    yield* Client.replace(
      coordination.Lease,
      {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: "",
          leaseDurationSeconds: 1,
          acquireTime: time,
          renewTime: time
        }
      },
      where
    )
    return true
  })

  return { observed, attempt, release, wrote }
}

/**
 * Failures of a read or write of the Lease are retried (as client-go does); the passing ones
 * (`Client.isTransient`, and conflicts) at Debug, the others (e.g. Forbidden) at Warning.
 */
const logFailure = (what: string, error: unknown) => {
  const passing = Client.isTransient(error) || (error instanceof ApiError.ApiError && error.code === 409)
  const line = `${what}: ${messageOf(error)}`
  return passing ? Effect.logDebug(line) : Effect.logWarning(line)
}

/**
 * Runs `body` while this process leads the Lease `options.lease`: waits to acquire it, runs the
 * body, renews the Lease meanwhile, and releases it when the body ends. If leadership is lost
 * first, the body is interrupted and the result fails with {@link LeadershipLost} (after the body
 * ended). Invalid options fail with `InvalidRequest`. Interrupting `run` interrupts the body and
 * releases the Lease.
 *
 * To keep competing after a loss, retry on `LeadershipLost`; to stop the process instead (as most
 * Go controllers do), let it fail.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LeaderElection } from "effect-kube"
 *
 * declare const controller: Effect.Effect<never>
 * const program = LeaderElection.run(controller, {
 *   lease: "mirror-controller",
 *   namespace: "kube-system",
 *   identity: process.env.POD_NAME
 * })
 * // or: controller.pipe(LeaderElection.run({ lease: "mirror-controller" }))
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const run: {
  (
    options: Options
  ): <A, E, R>(
    body: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | LeadershipLost | InvalidRequest | Client.ClientError, R | Client.Requirements>
  <A, E, R>(
    body: Effect.Effect<A, E, R>,
    options: Options
  ): Effect.Effect<A, E | LeadershipLost | InvalidRequest | Client.ClientError, R | Client.Requirements>
} = dual(2, <A, E, R>(body: Effect.Effect<A, E, R>, options: Options) => runBody(body, options))

const runBody = <A, E, R>(
  body: Effect.Effect<A, E, R>,
  options: Options
): Effect.Effect<A, E | LeadershipLost | InvalidRequest | Client.ClientError, R | Client.Requirements> =>
  Effect.gen(function* () {
    const given = yield* settingsOf(options)
    const namespace = yield* ApiRequest.namespaceOf({
      resource: coordination.Lease,
      method: "GET",
      name: given.lease,
      namespace: given.namespace
    })
    const settings = { ...given, namespace }
    const elector = makeElector(settings)
    const name = `${namespace ?? ""}/${settings.lease}`
    const leading = metricKeys.gauge(metricKeys.leaderElectionLeading, [["lease", name]])
    const jittered = Effect.map(Random.next, (r) => settings.retryPeriod * (1 + JITTER * r))

    // Candidate: attempt until leading; returns when the successful write was sent.
    const acquire = Effect.gen(function* () {
      let seen = ""
      while (true) {
        const result = yield* elector.attempt.pipe(Effect.timeout(settings.renewDeadline), Effect.either)
        if (Either.isRight(result) && result.right._tag === "Leading") return result.right.sentAt
        let wait = yield* jittered
        if (Either.isRight(result) && result.right._tag === "Held") {
          const { holder, expiresAt } = result.right
          if (holder !== seen) {
            seen = holder
            yield* Effect.logInfo(`the lease ${name} is held by ${holder}`)
          }
          // Reads of a held Lease every retry period exactly (a change is seen at most one period
          // late), and at its expiry when that comes first.
          wait = Math.min(settings.retryPeriod, Math.max(0, expiresAt - (yield* now)))
        } else if (Either.isLeft(result)) {
          // Nothing was sent and nothing will be: a name the client refuses.
          if (result.left instanceof InvalidRequest) return yield* result.left
          yield* logFailure(`reading the lease ${name} failed`, result.left)
        }
        yield* Effect.sleep(Duration.millis(wait))
      }
    }).pipe(
      Effect.withSpan("LeaderElection.acquire", { attributes: { lease: name, identity: settings.identity } })
    )

    // Leader: renew every retry period; lost when `renewDeadline` has passed since the last
    // successful write was sent (a read before it may have taken long: it does not count).
    const renew = (acquiredAt: number): Effect.Effect<never, LeadershipLost, Client.Requirements> =>
      Effect.gen(function* () {
        let deadline = acquiredAt + settings.renewDeadline
        while (true) {
          const wait = Math.min(settings.retryPeriod, deadline - (yield* now))
          if (wait > 0) yield* Effect.sleep(Duration.millis(wait))
          const start = yield* now
          if (start >= deadline) break
          const result = yield* elector.attempt.pipe(Effect.timeout(deadline - start), Effect.either)
          if (Either.isRight(result)) {
            if (result.right._tag === "Leading") {
              deadline = result.right.sentAt + settings.renewDeadline
              continue
            }
            return yield* new LeadershipLost({
              lease: name,
              identity: settings.identity,
              reason: "HeldByOther",
              holder: result.right.holder
            })
          }
          yield* logFailure(`renewing the lease ${name} failed`, result.left)
        }
        return yield* new LeadershipLost({
          lease: name,
          identity: settings.identity,
          reason: "RenewDeadline"
        })
      })

    const lead = Effect.gen(function* () {
      const acquiredAt = yield* acquire
      yield* Effect.logInfo(`leading the lease ${name} as ${settings.identity}`)
      yield* Metric.set(leading, 1)
      // The body and the renewals in fibers of their own, ended here in order whatever happens:
      // the body first (its finalizers may take a while: the Lease is renewed meanwhile), then
      // the renewals. (A race would not wait for the body when interrupted from outside.)
      return yield* Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const renewer = yield* Effect.forkDaemon(Effect.interruptible(renew(acquiredAt)))
          const work = yield* Effect.forkDaemon(restore(body))
          const first = yield* Effect.exit(
            restore(
              Effect.race(
                Effect.map(Fiber.await(work), () => "body" as const),
                Effect.map(Fiber.await(renewer), () => "renewals" as const)
              )
            )
          )
          const ended = yield* Fiber.interrupt(work)
          const renewals = yield* Fiber.interrupt(renewer)
          if (first._tag === "Success" && first.value === "renewals" && renewals._tag === "Failure") {
            return yield* Effect.failCause(renewals.cause)
          }
          return yield* ended
        })
      )
    })
    // Released however it ends (unless lost): also when interrupted after a write that took the
    // Lease but before its answer came.
    return yield* lead.pipe(
      Effect.onExit((exit) =>
        Effect.gen(function* () {
          yield* Metric.set(leading, 0)
          const lost = Chunk.findFirst(
            exit._tag === "Failure" ? Cause.failures(exit.cause) : Chunk.empty(),
            (e) => e instanceof LeadershipLost
          )
          if (Option.isSome(lost)) {
            yield* Effect.logWarning(`${lost.value.message}: the body was interrupted`)
            // Another holder: not ours to release. Past the renew deadline: the body has ended,
            // and the release only writes if the Lease still names this candidate (client-go too).
            if (lost.value.reason === "HeldByOther") return
          }
          if (!settings.release || !elector.wrote.value) return
          const released = yield* elector.release.pipe(
            Client.retryOnConflict,
            Effect.interruptible,
            Effect.timeout(settings.renewDeadline),
            Effect.either
          )
          if (Either.isRight(released)) {
            if (released.right) yield* Effect.logInfo(`released the lease ${name}`)
          } else {
            yield* Effect.logWarning(
              `releasing the lease ${name} failed (${messageOf(released.left)}): others take over when it expires`
            )
          }
        })
      )
    )
  }).pipe(Effect.withSpan("LeaderElection.run", { attributes: { lease: options.lease } }))
