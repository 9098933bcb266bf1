/**
 * What a call is, for its span and metrics: the operation wrapper every verb, watch connection, log
 * and exec runs in. It opens the operation's span (the HTTP spans of its attempts are its children)
 * and records its duration; its answers are checked and counted under its verb (`./answer.ts`).
 */
import { Clock, Context, DefaultServices, Effect, FiberRef, type Metric } from "effect"
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
 * Annotates the operation's span (if one is recorded) with what a checked call addresses. Where
 * spans are not seen the operation made none: the current span is then a caller's, left alone.
 */
export const annotateTarget = (
  namespace: string | undefined,
  name: string | undefined
): Effect.Effect<void> =>
  Effect.withFiberRuntime((fiber) => {
    const span = fiber.currentSpan
    if (span !== undefined && span._tag === "Span" && spansSeenBy(fiber)) {
      if (namespace !== undefined) span.attribute("k8s.namespace.name", namespace)
      if (name !== undefined) span.attribute("k8s.object.name", name)
    }
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
