/**
 * Waiting for an object to reach a state: `forCondition` (lightkube's `wait`: condition types to
 * wait for and to fail on), and `until` with a predicate (kube-rs's `await_condition`), with the
 * ready-made predicates of `Conditions`. Built on the watcher, so it survives reconnects.
 *
 * @since 0.1.0
 */
import { Data, Duration, Effect, Option, Stream } from "effect"
import * as ApiRequest from "../client/ApiRequest.js"
import type * as Client from "../client/Client.js"
import type { KubeConfig } from "../config/KubeConfig.js"
import type * as Resource from "../resource/Resource.js"
import * as Watch from "../streams/Watch.js"
import * as Conditions from "./Conditions.js"

/** `Kind namespace/name`, or `Kind name` for a cluster-scoped object. */
const describeObject = (kind: string, objectName: string, namespace: string | undefined) =>
  `${kind} ${namespace !== undefined ? `${namespace}/` : ""}${objectName}`

/**
 * The fields every wait error has: which object (`objectName`, since `name` is the error's tag as
 * for every error), and what was awaited (`waitingFor`: `"condition Ready"` for `forCondition`, the
 * predicate's name for `until`).
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitErrorFields {
  readonly kind: string
  readonly objectName: string
  /** The namespace waited in; absent for a cluster-scoped object. */
  readonly namespace?: string | undefined
  readonly waitingFor: string
}

/**
 * The object was deleted while waiting for it.
 *
 * @example
 * ```ts
 * import { Wait } from "effect-kube"
 *
 * const error = new Wait.ObjectDeleted({ kind: "Pod", objectName: "web", namespace: "apps", waitingFor: "condition Ready" })
 * error.message // "Pod apps/web was deleted while waiting for condition Ready"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ObjectDeleted extends Data.TaggedError("ObjectDeleted")<WaitErrorFields> {
  override get message(): string {
    return `${describeObject(this.kind, this.objectName, this.namespace)} was deleted while waiting for ${this.waitingFor}`
  }
}

/**
 * A condition listed in `raiseFor` became true; `conditions` are the failing ones, with their
 * reasons and messages.
 *
 * @example
 * ```ts
 * import { Wait } from "effect-kube"
 *
 * const error = new Wait.ConditionError({
 *   kind: "Job",
 *   objectName: "once",
 *   namespace: "apps",
 *   waitingFor: "condition Complete",
 *   conditions: [{ type: "Failed", reason: "BackoffLimitExceeded" }]
 * })
 * error.message // "Job apps/once failed while waiting for condition Complete: Failed (BackoffLimitExceeded)"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ConditionError extends Data.TaggedError("ConditionError")<
  WaitErrorFields & {
    readonly conditions: ReadonlyArray<{
      readonly type: string
      readonly reason?: string
      readonly message?: string
    }>
  }
> {
  override get message(): string {
    return `${describeObject(this.kind, this.objectName, this.namespace)} failed while waiting for ${this.waitingFor}: ${this.conditions
      .map(
        (c) =>
          `${c.type}${c.reason !== undefined ? ` (${c.reason})` : ""}${c.message !== undefined ? `: ${c.message}` : ""}`
      )
      .join("; ")}`
  }
}

/**
 * The object did not reach the awaited state in time.
 *
 * @example
 * ```ts
 * import { Wait } from "effect-kube"
 *
 * const error = new Wait.WaitTimeout({
 *   kind: "Deployment",
 *   objectName: "web",
 *   namespace: "apps",
 *   waitingFor: "deploymentRolledOut",
 *   timeout: "1 minute"
 * })
 * error.message // "Timed out after 1m waiting for deploymentRolledOut of Deployment apps/web"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class WaitTimeout extends Data.TaggedError("WaitTimeout")<
  WaitErrorFields & { readonly timeout: Duration.DurationInput }
> {
  override get message(): string {
    return `Timed out after ${Duration.format(Duration.decode(this.timeout))} waiting for ${this.waitingFor} of ${describeObject(this.kind, this.objectName, this.namespace)}`
  }
}

/**
 * A predicate on the object, `Option.none()` when it does not exist (see `Conditions.Condition`).
 *
 * @since 0.1.0
 * @category models
 */
export type Condition<A> = Conditions.Condition<A>

/**
 * Options of the waits.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  readonly namespace?: string | undefined
  /** Default: no limit. */
  readonly timeout?: Duration.DurationInput | undefined
}

const watchOne = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  name: string,
  options: WaitOptions
) =>
  Watch.watcher(resource, {
    name,
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {})
  }).pipe(
    Stream.mapAccum({ current: Option.none<A>(), ready: false, existed: false }, (state, event) => {
      const next =
        event._tag === "Init"
          ? { current: Option.none<A>(), ready: false, existed: state.existed }
          : event._tag === "InitApply" || event._tag === "Apply"
            ? { current: Option.some(event.object), ready: state.ready, existed: true }
            : event._tag === "Delete"
              ? { current: Option.none<A>(), ready: state.ready, existed: state.existed }
              : { ...state, ready: true }
      return [next, { ...next, deleted: event._tag === "Delete" }] as const
    }),
    // Judge only a complete state: after the initial list, and at each change.
    Stream.filter((s) => s.ready)
  )

/** Which object a wait is about: the namespace is the one its watch addresses (ApiRequest's rule). */
const target = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  name: string,
  options: WaitOptions,
  waitingFor: string
): Effect.Effect<WaitErrorFields, never, KubeConfig> =>
  Effect.map(
    ApiRequest.namespaceOf({ resource, method: "GET", namespace: options.namespace, name }),
    (namespace) => ({
      kind: resource.kind,
      objectName: name,
      namespace,
      waitingFor
    })
  )

const withTimeout =
  (fields: WaitErrorFields, timeout: Duration.DurationInput | undefined) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | WaitTimeout, R> =>
    timeout === undefined
      ? effect
      : Effect.timeoutFail(effect, {
          duration: timeout,
          onTimeout: () => new WaitTimeout({ ...fields, timeout })
        })

/** What `until` waits for, from the predicate's function name. */
const describeCondition = (condition: Condition<never>): string =>
  condition.name !== "" ? condition.name : "an unnamed predicate"

/**
 * Waits until a predicate holds for the object (`Option.none()`: it does not exist), and returns
 * the object (none when the predicate accepted its absence).
 *
 * @example
 * ```ts
 * import { Wait, Conditions } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const running = Wait.until(Pod, "web", Conditions.podRunning, { namespace: "apps", timeout: "2 minutes" })
 * const gone = Wait.until(Pod, "web", Conditions.deleted)
 * ```
 *
 * @since 0.1.0
 * @category waiting
 */
export const until = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  name: string,
  condition: Condition<A>,
  options: WaitOptions = {}
): Effect.Effect<Option.Option<A>, Watch.WatchError | WaitTimeout, Client.Requirements> =>
  Effect.flatMap(target(resource, name, options, describeCondition(condition)), (fields) =>
    watchOne(resource, name, options).pipe(
      Stream.filter((s) => condition(s.current)),
      Stream.runHead,
      Effect.flatMap(
        Option.match({
          onNone: () => Effect.dieMessage("the watch of a wait ended"),
          onSome: (s) => Effect.succeed(s.current)
        })
      ),
      withTimeout(fields, options.timeout)
    )
  )

/**
 * Options of {@link forCondition}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ForConditionOptions extends WaitOptions {
  /** Succeed when a condition of one of these types is `"True"`. */
  readonly for: ReadonlyArray<string>
  /** Fail with `ConditionError` when a condition of one of these types is `"True"`. */
  readonly raiseFor?: ReadonlyArray<string> | undefined
}

/**
 * lightkube's `wait`: succeeds with the object when a condition of a type in `for` is `"True"`,
 * fails with `ConditionError` for `raiseFor`, with `ObjectDeleted` if the object is deleted while
 * waiting. An object that does not exist yet is waited for.
 *
 * @example
 * ```ts
 * import { Wait } from "effect-kube"
 * import { Job } from "effect-kube/models/batch/v1"
 *
 * const done = Wait.forCondition(Job, "migrate", { for: ["Complete"], raiseFor: ["Failed"], timeout: "10 minutes" })
 * ```
 *
 * @since 0.1.0
 * @category waiting
 */
export const forCondition = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  name: string,
  options: ForConditionOptions
): Effect.Effect<A, Watch.WatchError | WaitTimeout | ObjectDeleted | ConditionError, Client.Requirements> =>
  Effect.flatMap(
    target(
      resource,
      name,
      options,
      options.for.length === 0 ? "no condition" : `condition ${options.for.join(" or ")}`
    ),
    (fields) =>
      watchOne(resource, name, options).pipe(
        Stream.mapEffect((s): Effect.Effect<Option.Option<A>, ObjectDeleted | ConditionError> => {
          if (s.deleted) return Effect.fail(new ObjectDeleted(fields))
          if (Option.isNone(s.current)) return Effect.succeed(Option.none<A>())
          const conditions = Conditions.conditionsOf(s.current.value)
          const failing = conditions.filter(
            (c) => c.status === "True" && (options.raiseFor ?? []).includes(c.type)
          )
          if (failing.length > 0) return Effect.fail(new ConditionError({ ...fields, conditions: failing }))
          return Effect.succeed(
            conditions.some((c) => c.status === "True" && options.for.includes(c.type))
              ? s.current
              : Option.none<A>()
          )
        }),
        Stream.filterMap((o) => o),
        Stream.runHead,
        Effect.flatMap(
          Option.match({
            onNone: () => Effect.dieMessage("the watch of a wait ended"),
            onSome: Effect.succeed
          })
        ),
        withTimeout(fields, options.timeout)
      )
  )
