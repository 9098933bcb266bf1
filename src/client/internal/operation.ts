/**
 * What a call is, for its span and metrics: the operation wrapper every verb, watch connection, log
 * and exec runs in. It opens the operation's span (the HTTP spans of its attempts are its children),
 * records its duration, and tells `ApiResponse.checked` which verb an answer belongs to.
 */
import { Clock, Context, Effect, Metric } from "effect"
import * as Metrics from "../../http/Metrics.js"
import type * as Resource from "../../resource/Resource.js"

/** The verb of the operation in progress (`"request"` outside any). */
export class CurrentVerb extends Context.Reference<CurrentVerb>()("effect-kube/CurrentVerb", {
  defaultValue: (): string => "request"
}) {}

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

/** Annotates the operation's span with what a checked call addresses. */
export const annotateTarget = (
  namespace: string | undefined,
  name: string | undefined
): Effect.Effect<void> =>
  Effect.annotateCurrentSpan({
    ...(namespace !== undefined ? { "k8s.namespace.name": namespace } : {}),
    ...(name !== undefined ? { "k8s.object.name": name } : {})
  })

// The tagged histogram of each verb, made once (not per operation).
const durations = new Map<string, Metric.Metric.Histogram<number>>()
const durationOf = (verb: string): Metric.Metric.Histogram<number> => {
  let histogram = durations.get(verb)
  if (histogram === undefined) {
    histogram = Metric.tagged(Metrics.requestDuration, "verb", verb)
    durations.set(verb, histogram)
  }
  return histogram
}

/**
 * Runs an operation in its span (`name`, e.g. `Client.get`), with its verb for the metrics and its
 * duration recorded (whatever its outcome: success, failure or interruption).
 */
export const operation =
  (name: string, verb: string, attributes: Record<string, string>) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
    const duration = durationOf(verb)
    return Effect.flatMap(Clock.currentTimeNanos, (start) =>
      self.pipe(
        Effect.provideService(CurrentVerb, verb),
        Effect.onExit(() =>
          Effect.flatMap(Clock.currentTimeNanos, (end) => Metric.update(duration, Number(end - start) / 1e9))
        )
      )
    ).pipe(
      // The stack trace of a span made here would always point here: left out, as @effect/platform does.
      Effect.withSpan(name, {
        kind: "client",
        captureStackTrace: false,
        attributes: { "k8s.verb": verb, ...attributes }
      })
    )
  }
