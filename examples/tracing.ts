/**
 * Tracing with OpenTelemetry: the program of `main.ts` (list the namespaces, create, read and
 * delete a ConfigMap) under one parent span, its spans printed by OpenTelemetry's console exporter.
 * Each call is a span (`Client.list`, `Client.create`, `Client.get`, `Client.delete`) with `k8s.*`
 * attributes, and its HTTP attempts (`http.client GET`, ...) are its children. At the end it prints
 * the requests counted by `Metrics.requests`. With no cluster configured it runs against the
 * in-memory cluster.
 *
 *   npx tsx examples/tracing.ts
 *
 * To send the spans to a collector instead, swap the exporter (e.g. `OTLPTraceExporter` of
 * `@opentelemetry/exporter-trace-otlp-http` in a `BatchSpanProcessor`); `NodeSdk.layer` also takes a
 * `metricReader` to export the metrics of `Metrics`.
 */
import { NodeSdk } from "@effect/opentelemetry"
import { ConsoleSpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Console, Effect, Metric, MetricState, Stream } from "effect"
import { Client } from "../src/index.js"
import { ConfigMap, Namespace } from "../src/models/core/v1.js"
import { run } from "./Live.js"

/** The OpenTelemetry SDK, its spans printed to the console as they end. */
const Tracing = NodeSdk.layer(() => ({
  resource: { serviceName: "effect-kube-example" },
  spanProcessor: new SimpleSpanProcessor(new ConsoleSpanExporter())
}))

const program = Effect.gen(function* () {
  const namespaces = yield* Client.list(Namespace).pipe(
    Stream.map((ns) => ns.metadata?.name ?? ""),
    Stream.runCollect
  )
  yield* Console.log(`Namespaces: ${[...namespaces].join(", ")}`)
  const name = `effect-kube-tracing-${Date.now().toString(36)}`
  yield* Client.create(ConfigMap, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name },
    data: { hello: "world" }
  })
  const read = yield* Client.get(ConfigMap, name)
  yield* Console.log(`Created ConfigMap ${name}: ${JSON.stringify(read.data)}`)
  yield* Client.delete(ConfigMap, name)
  yield* Console.log(`Deleted ConfigMap ${name}`)
}).pipe(Effect.withSpan("example.tracing"))

/** The answers counted so far by `Metrics.requests` (`effect_kube_requests_total`), by verb and code. */
const printRequests = Effect.gen(function* () {
  const pairs = yield* Metric.snapshot
  for (const pair of pairs) {
    if (pair.metricKey.name !== "effect_kube_requests_total") continue
    if (!MetricState.isCounterState(pair.metricState)) continue
    const tags = pair.metricKey.tags.map((tag) => `${tag.key}=${tag.value}`).join(" ")
    yield* Console.log(`${pair.metricKey.name}{${tags}} ${pair.metricState.count}`)
  }
})

run(program.pipe(Effect.provide(Tracing), Effect.zipRight(printRequests)))
