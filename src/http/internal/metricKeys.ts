/**
 * The keys of effect-kube's metrics (the public metrics of `Metrics` are made from them), and their
 * tagged variants made once.
 *
 * `Metric.tagged` (effect 3.x) builds a new `MetricKey` — hashing its name, description and tags —
 * at every update of the tagged metric, and looks it up in the registry by that hash: a few
 * microseconds per answer on the request path. A metric made from a key that holds its tags does
 * that once; it reads and writes the same registry entry (same name, type, description and tags in
 * the same order) as `Metric.tagged` of the untagged one would.
 */
import { Metric, MetricBoundaries, MetricKey, MetricLabel } from "effect"

export const requests = MetricKey.counter("effect_kube_requests_total", {
  description: "Kubernetes API answers by verb and HTTP status code",
  incremental: true
})

export const requestDuration = MetricKey.histogram(
  "effect_kube_request_duration_seconds",
  MetricBoundaries.exponential({ start: 0.001, factor: 2, count: 16 }),
  "Duration of Kubernetes API operations by verb, in seconds"
)

export const retries = MetricKey.counter("effect_kube_retries_total", {
  description: "Kubernetes API requests retried, by reason",
  incremental: true
})

export const credentialRefreshes = MetricKey.counter("effect_kube_credential_refreshes_total", {
  description: "Credentials refreshed after a 401 answer",
  incremental: true
})

export const watchReconnects = MetricKey.counter("effect_kube_watch_reconnects_total", {
  description: "Watch connections reopened, by resource",
  incremental: true
})

export const watchRelists = MetricKey.counter("effect_kube_watch_relists_total", {
  description: "Watcher lists, by resource",
  incremental: true
})

export const watchEvents = MetricKey.counter("effect_kube_watch_events_total", {
  description: "Watch events received, by resource",
  incremental: true
})

export const controllerReconciles = MetricKey.counter("effect_kube_controller_reconciles_total", {
  description: "Reconciles by controller and result (done, requeue, error)",
  incremental: true
})

export const controllerReconcileDuration = MetricKey.histogram(
  "effect_kube_controller_reconcile_duration_seconds",
  MetricBoundaries.exponential({ start: 0.001, factor: 2, count: 16 }),
  "Duration of reconciles by controller, in seconds"
)

export const controllerQueueDepth = MetricKey.gauge("effect_kube_controller_queue_depth", {
  description: "Keys waiting to be reconciled, by controller"
})

export const leaderElectionLeading = MetricKey.gauge("effect_kube_leader_election_leading", {
  description: "1 while this process leads the lease, by lease"
})

export const eventWrites = MetricKey.counter("effect_kube_event_writes_total", {
  description: "Events of the event recorder by result (created, series, dropped, failed)"
})

type Labels = ReadonlyArray<readonly [key: string, value: string]>

const cacheKey = (name: string, labels: Labels) =>
  `${name}\u0000${labels.map(([k, v]) => `${k}=${v}`).join("\u0000")}`

const labelsOf = (labels: Labels) => labels.map(([k, v]) => MetricLabel.make(k, v))

/** The metric of `id` from `cache`, made with `make` the first time. */
const once = <M>(cache: Map<string, M>, id: string, make: () => M): M => {
  let metric = cache.get(id)
  if (metric === undefined) {
    metric = make()
    cache.set(id, metric)
  }
  return metric
}

const counters = new Map<string, Metric.Metric.Counter<number>>()

/** The counter of `key` with `labels` (in this order), made once. */
export const counter = (
  key: MetricKey.MetricKey.Counter<number>,
  labels: Labels
): Metric.Metric.Counter<number> =>
  once(counters, cacheKey(key.name, labels), () =>
    Metric.fromMetricKey(MetricKey.taggedWithLabels(key, labelsOf(labels)))
  )

const histograms = new Map<string, Metric.Metric.Histogram<number>>()

/** The histogram of `key` with `labels` (in this order), made once. */
export const histogram = (
  key: MetricKey.MetricKey.Histogram,
  labels: Labels
): Metric.Metric.Histogram<number> =>
  once(histograms, cacheKey(key.name, labels), () =>
    Metric.fromMetricKey(MetricKey.taggedWithLabels(key, labelsOf(labels)))
  )

const gauges = new Map<string, Metric.Metric.Gauge<number>>()

/** The gauge of `key` with `labels` (in this order), made once. */
export const gauge = (key: MetricKey.MetricKey.Gauge<number>, labels: Labels): Metric.Metric.Gauge<number> =>
  once(gauges, cacheKey(key.name, labels), () =>
    Metric.fromMetricKey(MetricKey.taggedWithLabels(key, labelsOf(labels)))
  )
