/**
 * The metrics effect-kube records, with Effect's `Metric`: read them with `Metric.value`, or export
 * them with `@effect/opentelemetry` (names follow Prometheus conventions, as client-go's
 * `rest_client_*` metrics). Tags never hold a secret: verbs, kinds, methods, codes and reasons.
 *
 * @since 0.1.0
 */
import { Metric } from "effect"
import * as keys from "./internal/metricKeys.js"

/**
 * Answers by verb (`get`, `list`, `watch`, `create`, `log`, ...) and HTTP status code, one per
 * answer the client reads (after retries; tags `verb`, `code`).
 *
 * @example
 * ```ts
 * import { Effect, Metric } from "effect"
 * import { Metrics } from "effect-kube"
 *
 * const gets = Metric.value(Metrics.requests.pipe(Metric.tagged("verb", "get"), Metric.tagged("code", "200")))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const requests: Metric.Metric.Counter<number> = Metric.fromMetricKey(keys.requests)

/**
 * Duration of operations, in seconds, by verb (tag `verb`), whatever their outcome: a verb from its
 * call until its answer is read (retries included, decoding not), a stream until its answer's headers.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Metrics } from "effect-kube"
 *
 * const latency = Metric.value(Metrics.requestDuration.pipe(Metric.tagged("verb", "get")))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const requestDuration: Metric.Metric.Histogram<number> = Metric.fromMetricKey(keys.requestDuration)

/**
 * HTTP requests retried by the transport pipeline, by reason (tag `reason`: the status code that
 * asked for it, `429`, `503`, `504`, or `transport` for a failed connection).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Metrics } from "effect-kube"
 *
 * const throttled = Metric.value(Metrics.retries.pipe(Metric.tagged("reason", "429")))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const retries: Metric.Metric.Counter<number> = Metric.fromMetricKey(keys.retries)

/**
 * Credentials dropped and read again after the server answered 401 (token files, exec plugins).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Metrics } from "effect-kube"
 *
 * const refreshes = Metric.value(Metrics.credentialRefreshes)
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const credentialRefreshes: Metric.Metric.Counter<number> = Metric.fromMetricKey(
  keys.credentialRefreshes
)

/**
 * Watch connections opened again after one ended or failed, by resource (tag `resource`, as kubectl
 * names it: `configmaps`, `deployments.apps`).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Metrics } from "effect-kube"
 *
 * const reconnects = Metric.value(Metrics.watchReconnects.pipe(Metric.tagged("resource", "configmaps")))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const watchReconnects: Metric.Metric.Counter<number> = Metric.fromMetricKey(keys.watchReconnects)

/**
 * Lists of watchers (the first, each after the server forgot the version: 410 Gone, and each retry of
 * a failed list), by resource (tag `resource`).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Metrics } from "effect-kube"
 *
 * const relists = Metric.value(Metrics.watchRelists.pipe(Metric.tagged("resource", "pods")))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const watchRelists: Metric.Metric.Counter<number> = Metric.fromMetricKey(keys.watchRelists)

/**
 * Watch events received (bookmarks included), by resource (tag `resource`).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Metrics } from "effect-kube"
 *
 * const events = Metric.value(Metrics.watchEvents.pipe(Metric.tagged("resource", "pods")))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const watchEvents: Metric.Metric.Counter<number> = Metric.fromMetricKey(keys.watchEvents)

/**
 * Reconciles by controller and result (tags `controller`, `result`: `done`, `requeue`, `error`).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Metrics } from "effect-kube"
 *
 * const failed = Metric.value(
 *   Metrics.controllerReconciles.pipe(Metric.tagged("controller", "configmaps"), Metric.tagged("result", "error"))
 * )
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const controllerReconciles: Metric.Metric.Counter<number> = Metric.fromMetricKey(
  keys.controllerReconciles
)

/**
 * Duration of reconciles by controller (tag `controller`), in seconds.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Metrics } from "effect-kube"
 *
 * const durations = Metric.value(Metrics.controllerReconcileDuration.pipe(Metric.tagged("controller", "configmaps")))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const controllerReconcileDuration: Metric.Metric.Histogram<number> = Metric.fromMetricKey(
  keys.controllerReconcileDuration
)

/**
 * Keys waiting to be reconciled, by controller (tag `controller`): set after each reconcile and
 * every second.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Metrics } from "effect-kube"
 *
 * const depth = Metric.value(Metrics.controllerQueueDepth.pipe(Metric.tagged("controller", "configmaps")))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const controllerQueueDepth: Metric.Metric.Gauge<number> = Metric.fromMetricKey(
  keys.controllerQueueDepth
)

/**
 * 1 while this process leads a Lease, else 0, by lease (tag `lease`: `namespace/name`), as
 * client-go's `leader_election_master_status`.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Metrics } from "effect-kube"
 *
 * const leading = Metric.value(Metrics.leaderElectionLeading.pipe(Metric.tagged("lease", "kube-system/my-controller")))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const leaderElectionLeading: Metric.Metric.Gauge<number> = Metric.fromMetricKey(
  keys.leaderElectionLeading
)

/**
 * The event recorder's writes by result (tag `result`): `created` (a new Event), `series` (a
 * count updated), `dropped` (rate limit or full queue), `failed` (rejected, or retries exhausted).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Metrics } from "effect-kube"
 *
 * const dropped = Metric.value(Metrics.eventWrites.pipe(Metric.tagged("result", "dropped")))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const eventWrites: Metric.Metric.Counter<number> = Metric.fromMetricKey(keys.eventWrites)
