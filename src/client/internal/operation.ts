/**
 * What a call is, for its span and metrics: the operation wrapper every verb, watch connection, log
 * and exec runs in. It opens the operation's span (the HTTP spans of its attempts are its children)
 * and records its duration; its answers are checked and counted under its verb (`./answer.ts`).
 */
import {
  Clock,
  Context,
  DefaultServices,
  Effect,
  type Fiber,
  FiberRef,
  type Metric,
  type Tracer
} from "effect"
import * as metricKeys from "../../http/internal/metricKeys.js"
import { spansSeenBy } from "../../internal/tracing.js"
import type * as Resource from "../../resource/Resource.js"

/** Span attributes of a kind (OpenTelemetry style, `k8s.*`). */
export const kindAttributes = (resource: Resource.ResourceInfo): Readonly<Record<string, string>> => {
  // Made once per kind (not per request).
  let attributes = attributesOf.get(resource)
  if (attributes === undefined) {
    attributes = {
      "k8s.api.group": resource.group,
      "k8s.api.version": resource.version,
      "k8s.kind": resource.kind,
      "k8s.resource": resource.plural
    }
    attributesOf.set(resource, attributes)
  }
  return attributes
}

const attributesOf = new WeakMap<Resource.ResourceInfo, Readonly<Record<string, string>>>()

/**
 * The current span, to annotate, where the operation recorded one: where spans are not seen the
 * operation made none, and the current span is a caller's (not to be annotated by the library).
 */
export const recordedSpan = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Tracer.Span | undefined => {
  const span = fiber.currentSpan
  return span !== undefined && span._tag === "Span" && spansSeenBy(fiber) ? span : undefined
}

/** Annotates the operation's span of `fiber` (if one is recorded) with what a call addresses. */
export const annotateAddressed = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  namespace: string | undefined,
  name: string | undefined
): void => {
  const span = recordedSpan(fiber)
  if (span === undefined) return
  if (namespace !== undefined) span.attribute("k8s.namespace.name", namespace)
  if (name !== undefined) span.attribute("k8s.object.name", name)
}

/** Annotates the operation's span (if one is recorded) with what a checked call addresses. */
export const annotateTarget = (
  namespace: string | undefined,
  name: string | undefined
): Effect.Effect<void> =>
  Effect.withFiberRuntime((fiber) => {
    annotateAddressed(fiber, namespace, name)
    return Effect.void
  })

// The tagged histogram of each verb, made once (not per operation).
const durations = new Map<string, Metric.Metric.Histogram<number>>()
const durationOf = (verb: string): Metric.Metric.Histogram<number> => {
  let histogram = durations.get(verb)
  if (histogram === undefined) {
    histogram = metricKeys.histogram(metricKeys.requestDuration, [["verb", verb]])
    durations.set(verb, histogram)
  }
  return histogram
}

/**
 * Runs an operation in its span (`name`, e.g. `Client.get`; made only where spans are seen: a tracer
 * of the program's own, tracing on) and records its duration under its verb (whatever its outcome:
 * success, failure or interruption).
 */
export const operation =
  (name: string, verb: string, attributes: Record<string, string>) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
    const duration = durationOf(verb)
    return Effect.withFiberRuntime<A, E, R>((fiber) => {
      const clock = Context.get(fiber.getFiberRef(DefaultServices.currentServices), Clock.Clock)
      const start = clock.unsafeCurrentTimeNanos()
      const timed = Effect.onExit(self, () =>
        Effect.withFiberRuntime<void>((ended) => {
          const seconds = Number(clock.unsafeCurrentTimeNanos() - start) / 1e9
          duration.unsafeUpdate(seconds, ended.getFiberRef(FiberRef.currentMetricLabels))
          return Effect.void
        })
      )
      if (!spansSeenBy(fiber)) return timed
      // The stack trace of a span made here would always point here: left out, as @effect/platform does.
      return Effect.withSpan(timed, name, {
        kind: "client",
        captureStackTrace: false,
        attributes: { "k8s.verb": verb, ...attributes }
      })
    })
  }
