/**
 * Finalizers in a reconcile (kube-rs's `finalizer`): the object gets the finalizer before anything
 * is done for it, `cleanup` runs once it is being deleted, and the finalizer is removed after a
 * successful cleanup, so the apiserver can delete it. Every write is a JSON patch that tests what it
 * read first (the finalizers list), so a concurrent change fails it (an `ApiError`) instead of
 * losing a write: the controller retries with the fresh object. Idempotent: running it again on
 * the same object does the same or nothing.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Client from "../client/Client.js"
import type * as Resource from "../resource/Resource.js"
import * as Controller from "./Controller.js"

/**
 * What to do with an object that has the finalizer (`apply`), and once it is being deleted
 * (`cleanup`: release what the object held; the finalizer is removed when it succeeds).
 *
 * @since 0.1.0
 * @category models
 */
export interface Handlers<A, E, R> {
  readonly apply: (object: A) => Effect.Effect<Controller.Action, E, R>
  readonly cleanup: (object: A) => Effect.Effect<Controller.Action, E, R>
}

/**
 * Runs `handlers` for `object` under the finalizer `name` (e.g. `"example.com/cleanup"`):
 *
 * - not being deleted, without the finalizer: adds it (nothing else; the change brings the object
 *   back to the controller, now with the finalizer);
 * - not being deleted, with it: `apply`;
 * - being deleted, with it: `cleanup`, then removes it (unless `cleanup` asks to be run again
 *   later: `RequeueAfter` means "not released yet", and the finalizer stays);
 * - being deleted, without it: nothing.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Controller, Finalizer } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const reconcile = (object: ConfigMap) =>
 *   Finalizer.finalizer(ConfigMap, "example.com/cleanup", object, {
 *     apply: () => Effect.succeed(Controller.done),
 *     cleanup: (cm) => Effect.as(Effect.logInfo(`releasing what ${cm.metadata?.name} held`), Controller.done)
 *   })
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const finalizer = <A extends Resource.KubeObject, N extends boolean, S extends string, I, E, R>(
  resource: Resource.Resource<A, N, S, I>,
  name: string,
  object: A,
  handlers: Handlers<A, E, R>
): Effect.Effect<Controller.Action, E | Client.ClientError, R | Client.Requirements> =>
  Effect.gen(function* () {
    const finalizers = object.metadata?.finalizers ?? []
    const index = finalizers.indexOf(name)
    const objectName = object.metadata?.name ?? ""
    const where = { namespace: object.metadata?.namespace, patchType: "json" as const }
    if (object.metadata?.deletionTimestamp !== undefined) {
      if (index < 0) return Controller.done
      const action = yield* handlers.cleanup(object)
      // Not done yet (waiting for something to be released): the finalizer stays.
      if (action._tag === "RequeueAfter") return action
      yield* Client.patch(
        resource,
        objectName,
        [
          // The same object (not one recreated under the name) and the finalizer where it was read.
          { op: "test", path: "/metadata/uid", value: object.metadata?.uid ?? null },
          { op: "test", path: `/metadata/finalizers/${index}`, value: name },
          { op: "remove", path: `/metadata/finalizers/${index}` }
        ],
        where
      )
      return Controller.done
    }
    if (index < 0) {
      yield* Client.patch(
        resource,
        objectName,
        object.metadata?.finalizers === undefined
          ? [
              { op: "test", path: "/metadata/finalizers", value: null },
              { op: "add", path: "/metadata/finalizers", value: [name] }
            ]
          : [
              { op: "test", path: "/metadata/finalizers", value: finalizers },
              { op: "add", path: "/metadata/finalizers/-", value: name }
            ],
        where
      )
      return Controller.done
    }
    return yield* handlers.apply(object)
  })

/**
 * Whether the object holds the finalizer `name`.
 *
 * @example
 * ```ts
 * import { Finalizer } from "effect-kube"
 *
 * Finalizer.has({ apiVersion: "v1", kind: "ConfigMap", metadata: { finalizers: ["example.com/cleanup"] } }, "example.com/cleanup") // true
 * ```
 *
 * @since 0.1.0
 * @category predicates
 */
export const has = (object: Resource.KubeObject, name: string): boolean =>
  (object.metadata?.finalizers ?? []).includes(name)
