/**
 * Ready-made predicates for `Wait.until` (kube-rs's `conditions`), and combinators. Each is named
 * (its function `name`), so that a wait's errors say what was awaited: `podRunning`,
 * `hasCondition(Ready)`, `podRunning and hasCondition(Ready)`.
 *
 * @since 0.1.0
 */
import { Option } from "effect"
import { isRecord } from "../internal/json.js"
import type { CustomResourceDefinition } from "../models/apiextensions/v1.js"
import type { Deployment } from "../models/apps/v1.js"
import type { Job } from "../models/batch/v1.js"
import type { Pod } from "../models/core/v1.js"

/**
 * A predicate on the object, `Option.none()` when it does not exist. Its function name says what
 * is awaited in the errors of `Wait.until` (the predicates and combinators of this module are
 * named: `podRunning`, `hasCondition(Ready)`, `podRunning and hasCondition(Ready)`).
 *
 * @since 0.1.0
 * @category models
 */
export type Condition<A> = (object: Option.Option<A>) => boolean

/**
 * A condition of `status.conditions`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StatusCondition {
  readonly type: string
  readonly status: string
  readonly reason?: string
  readonly message?: string
}

/**
 * The `status.conditions` of an object, whatever its kind.
 *
 * @example
 * ```ts
 * import { Conditions } from "effect-kube"
 *
 * Conditions.conditionsOf({ status: { conditions: [{ type: "Ready", status: "True" }] } })
 * // [{ type: "Ready", status: "True" }]
 * ```
 *
 * @since 0.1.0
 * @category conditions
 */
export const conditionsOf = (object: unknown): ReadonlyArray<StatusCondition> => {
  if (!isRecord(object) || !isRecord(object.status) || !Array.isArray(object.status.conditions)) return []
  const out: Array<StatusCondition> = []
  for (const c of object.status.conditions) {
    if (!isRecord(c) || typeof c.type !== "string" || typeof c.status !== "string") continue
    out.push({
      type: c.type,
      status: c.status,
      ...(typeof c.reason === "string" ? { reason: c.reason } : {}),
      ...(typeof c.message === "string" ? { message: c.message } : {})
    })
  }
  return out
}

const hasTrue = (object: unknown, type: string) =>
  conditionsOf(object).some((c) => c.type === type && c.status === "True")

/** Names a predicate (set explicitly, so that a minifier does not change it). */
const named = <F extends (object: never) => boolean>(name: string, predicate: F): F =>
  Object.defineProperty(predicate, "name", { value: name })

/** A predicate's name inside a combinator's, in parentheses when it has several words. */
const nameOf = (condition: Condition<never>): string => {
  const name = condition.name !== "" ? condition.name : "an unnamed predicate"
  return name.includes(" ") ? `(${name})` : name
}

/**
 * The object does not exist (deleted, or never created).
 *
 * @example
 * ```ts
 * import { Conditions, Wait } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const gone = Wait.until(ConfigMap, "settings", Conditions.deleted)
 * ```
 *
 * @since 0.1.0
 * @category conditions
 */
export const deleted = named("deleted", <A>(object: Option.Option<A>): boolean => Option.isNone(object))

/**
 * The pod's phase is `Running`.
 *
 * @example
 * ```ts
 * import { Conditions, Wait } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const running = Wait.until(Pod, "web", Conditions.podRunning)
 * ```
 *
 * @since 0.1.0
 * @category conditions
 */
export const podRunning: Condition<Pod> = named("podRunning", (pod: Option.Option<Pod>) =>
  Option.exists(pod, (p) => p.status?.phase === "Running")
)

/**
 * The job has a `Complete` condition that is true.
 *
 * @example
 * ```ts
 * import { Conditions, Wait } from "effect-kube"
 * import { Job } from "effect-kube/models/batch/v1"
 *
 * const done = Wait.until(Job, "migrate", Conditions.jobCompleted)
 * ```
 *
 * @since 0.1.0
 * @category conditions
 */
export const jobCompleted: Condition<Job> = named("jobCompleted", (job: Option.Option<Job>) =>
  Option.exists(job, (j) => hasTrue(j, "Complete"))
)

/**
 * The deployment's rollout is complete: the controller observed the latest generation and every
 * replica is updated and available.
 *
 * @example
 * ```ts
 * import { Conditions, Wait } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * const rolledOut = Wait.until(Deployment, "web", Conditions.deploymentRolledOut, { timeout: "5 minutes" })
 * ```
 *
 * @since 0.1.0
 * @category conditions
 */
export const deploymentRolledOut: Condition<Deployment> = named(
  "deploymentRolledOut",
  (deployment: Option.Option<Deployment>) =>
    Option.exists(deployment, (d) => {
      const want = d.spec?.replicas ?? 1
      const s = d.status
      return (
        s !== undefined &&
        (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
        (s.updatedReplicas ?? 0) === want &&
        (s.availableReplicas ?? 0) === want &&
        (s.replicas ?? 0) === want
      )
    })
)

/**
 * The CRD is `Established`: its kind can be used.
 *
 * @example
 * ```ts
 * import { Conditions, Wait } from "effect-kube"
 * import { CustomResourceDefinition } from "effect-kube/models/apiextensions/v1"
 *
 * const ready = Wait.until(CustomResourceDefinition, "widgets.example.com", Conditions.crdEstablished)
 * ```
 *
 * @since 0.1.0
 * @category conditions
 */
export const crdEstablished: Condition<CustomResourceDefinition> = named(
  "crdEstablished",
  (crd: Option.Option<CustomResourceDefinition>) => Option.exists(crd, (c) => hasTrue(c, "Established"))
)

/**
 * A condition of the given type is `"True"` (any kind with `status.conditions`).
 *
 * @example
 * ```ts
 * import { Conditions, Wait } from "effect-kube"
 * import { Node } from "effect-kube/models/core/v1"
 *
 * const ready = Wait.until(Node, "worker-1", Conditions.hasCondition("Ready"))
 * ```
 *
 * @since 0.1.0
 * @category conditions
 */
export const hasCondition = (type: string) =>
  named(`hasCondition(${type})`, <A>(object: Option.Option<A>): boolean =>
    Option.exists(object, (o) => hasTrue(o, type))
  )

/**
 * Both conditions hold.
 *
 * @example
 * ```ts
 * import { Conditions } from "effect-kube"
 *
 * const readyAndRunning = Conditions.and(Conditions.podRunning, Conditions.hasCondition("Ready"))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const and = <A>(...conditions: ReadonlyArray<Condition<A>>): Condition<A> =>
  named(conditions.map(nameOf).join(" and "), (object: Option.Option<A>) =>
    conditions.every((c) => c(object))
  )

/**
 * One of the conditions holds.
 *
 * @example
 * ```ts
 * import { Conditions } from "effect-kube"
 *
 * const finished = Conditions.or(Conditions.hasCondition("Complete"), Conditions.hasCondition("Failed"))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const or = <A>(...conditions: ReadonlyArray<Condition<A>>): Condition<A> =>
  named(conditions.map(nameOf).join(" or "), (object: Option.Option<A>) => conditions.some((c) => c(object)))

/**
 * The condition does not hold.
 *
 * @example
 * ```ts
 * import { Conditions } from "effect-kube"
 *
 * const exists = Conditions.not(Conditions.deleted)
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const not = <A>(condition: Condition<A>): Condition<A> =>
  named(`not ${nameOf(condition)}`, (object: Option.Option<A>) => !condition(object))
