/**
 * The credential of an exec plugin (`users[].user.exec`): cached until it expires, one run shared
 * by concurrent callers, and forgotten after a 401 only by the fiber that used it.
 *
 * @internal
 */
import { CommandExecutor } from "@effect/platform"
import { Cause, Clock, Deferred, Effect, Encoding, Exit, FiberRef, Option, Ref, type Scope } from "effect"
import { ExecPluginError } from "../ConfigError.js"
import * as ExecCredential from "../ExecCredential.js"
import type * as KubeConfigFile from "../KubeConfigFile.js"

/** A credential of the plugin with the number of the run that produced it. */
interface ExecResult {
  readonly credential: ExecCredential.ExecCredential
  readonly generation: number
}

interface ExecState {
  readonly cached: Option.Option<ExecResult>
  /** How many runs succeeded: the generation of the next credential is one more. */
  readonly generation: number
  /** The run in progress, which callers that arrive meanwhile share. */
  readonly running: Option.Option<Deferred.Deferred<ExecResult, ExecPluginError>>
}

type ExecStep =
  | { readonly _tag: "Cached"; readonly result: ExecResult }
  | { readonly _tag: "Join"; readonly run: Deferred.Deferred<ExecResult, ExecPluginError> }
  | { readonly _tag: "Lead"; readonly run: Deferred.Deferred<ExecResult, ExecPluginError> }

const freshResult = (state: ExecState, now: number): Option.Option<ExecResult> =>
  Option.filter(state.cached, (c) => c.credential.expiresAt === undefined || now < c.credential.expiresAt)

/**
 * The cluster as the plugin sees it (`ExecCredential.spec.cluster`): the checked server, the PEM of
 * the certificate authority as base64, and the cluster's `client.authentication.k8s.io/exec`
 * extension as `config`.
 */
export const pluginCluster = (
  cluster: KubeConfigFile.Cluster,
  server: string,
  certificateAuthority: string | undefined
): ExecCredential.ClusterInfoForPlugin => ({
  server,
  ...(cluster["tls-server-name"] !== undefined ? { "tls-server-name": cluster["tls-server-name"] } : {}),
  ...(cluster["insecure-skip-tls-verify"] !== undefined
    ? { "insecure-skip-tls-verify": cluster["insecure-skip-tls-verify"] }
    : {}),
  ...(certificateAuthority !== undefined
    ? { "certificate-authority-data": Encoding.encodeBase64(certificateAuthority) }
    : {}),
  ...(cluster["proxy-url"] !== undefined ? { "proxy-url": cluster["proxy-url"] } : {}),
  ...(cluster["disable-compression"] !== undefined
    ? { "disable-compression": cluster["disable-compression"] }
    : {}),
  config: cluster.extensions?.find(
    (e): e is { name: string; extension: unknown } =>
      typeof e === "object" && e !== null && "name" in e && e.name === "client.authentication.k8s.io/exec"
  )?.extension
})

/**
 * The credential of an exec plugin: cached until its expiry (as client-go: no margin, so a token
 * that lives a few seconds is still used for those seconds), else one run of the plugin shared by
 * every caller that arrives while it runs.
 *
 * - The run is registered and started in one uninterruptible step, so an interrupted caller can
 *   never leave a registered run that nobody starts; callers wait interruptibly, and an
 *   interrupted caller does not cancel the run for the others.
 * - The run is a fiber of `scope` (the layer's): closing the layer interrupts it, which kills the
 *   plugin, and its callers get an `ExecPluginError` ("Failed").
 * - `reset` (after a 401) forgets the credential only if it is the one the calling fiber used (as
 *   client-go passes the failed credential to its refresh): the 401s of requests that used an
 *   older credential do not throw away a fresh one and run the plugin again.
 */
export const credentials = (
  executor: CommandExecutor.CommandExecutor,
  exec: KubeConfigFile.ExecConfig,
  options: ExecCredential.RunOptions,
  scope: Scope.Scope
) =>
  Effect.gen(function* () {
    const state = yield* Ref.make<ExecState>({ cached: Option.none(), generation: 0, running: Option.none() })
    // The generation of the credential the current fiber got last (a request reads the credential
    // and, after a 401, resets it in the same fiber).
    const seen = yield* Effect.sync(() => FiberRef.unsafeMake<number | undefined>(undefined))
    const closed = () =>
      new ExecPluginError({
        reason: "Failed",
        command: exec.command,
        detail: "the configuration was closed (the scope of its layer ended) before it answered",
        context: options.context
      })
    const run = (deferred: Deferred.Deferred<ExecResult, ExecPluginError>) =>
      ExecCredential.run(exec, options).pipe(
        Effect.provideService(CommandExecutor.CommandExecutor, executor),
        Effect.interruptible,
        Effect.exit,
        Effect.flatMap((exit) =>
          Ref.modify(state, (s): readonly [Exit.Exit<ExecResult, ExecPluginError>, ExecState] => {
            if (Exit.isSuccess(exit)) {
              const result = { credential: exit.value, generation: s.generation + 1 }
              return [
                Exit.succeed(result),
                { cached: Option.some(result), generation: result.generation, running: Option.none() }
              ]
            }
            const outcome = Cause.isInterruptedOnly(exit.cause)
              ? Exit.fail(closed())
              : Exit.failCause(exit.cause)
            return [outcome, { ...s, cached: Option.none(), running: Option.none() }]
          })
        ),
        Effect.flatMap((outcome) => Deferred.done(deferred, outcome))
      )
    const obtain = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      // The hot path: a fresh credential, read without allocating anything.
      const cached = freshResult(yield* Ref.get(state), now)
      if (Option.isSome(cached)) return cached.value
      return yield* Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const mine = yield* Deferred.make<ExecResult, ExecPluginError>()
          const step = yield* Ref.modify(state, (s): readonly [ExecStep, ExecState] => {
            const fresh = freshResult(s, now)
            if (Option.isSome(fresh)) return [{ _tag: "Cached", result: fresh.value }, s]
            if (Option.isSome(s.running)) return [{ _tag: "Join", run: s.running.value }, s]
            return [
              { _tag: "Lead", run: mine },
              { ...s, running: Option.some(mine) }
            ]
          })
          switch (step._tag) {
            case "Cached":
              return step.result
            case "Join":
              return yield* restore(Deferred.await(step.run))
            case "Lead":
              // Started while still uninterruptible: it completes the deferred whatever happens.
              yield* Effect.forkIn(run(step.run), scope)
              return yield* restore(Deferred.await(step.run))
          }
        })
      )
    })
    const get = obtain.pipe(
      Effect.tap((result) => FiberRef.set(seen, result.generation)),
      Effect.map((result) => result.credential)
    )
    const reset = Effect.flatMap(FiberRef.get(seen), (used) =>
      Ref.update(state, (s) =>
        Option.isSome(s.cached) && (used === undefined || s.cached.value.generation <= used)
          ? { ...s, cached: Option.none() }
          : s
      )
    )
    return { get, reset }
  })
