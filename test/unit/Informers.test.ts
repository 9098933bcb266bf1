import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Metric, Option, Scope } from "effect"
import { Client, Informers, Metrics, Store } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { Eventually, InMemoryCluster } from "../../src/testing/index.js"

const ns = (name: string): core.Namespace => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })
const cm = (namespace: string, name: string): core.ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { namespace, name }
})

const lists = Metric.value(Metrics.watchRelists.pipe(Metric.tagged("resource", "configmaps")))

describe("Informers", () => {
  it.live(
    "consumers of the same kind and options share one watch and one store, which stops with its last user",
    () =>
      Effect.gen(function* () {
        const informers = yield* Informers.Informers
        const before = (yield* lists).count
        const first = yield* Scope.make()
        const second = yield* Scope.make()
        const a = yield* informers.store(core.ConfigMap, { namespace: "apps" }).pipe(Scope.extend(first))
        const b = yield* informers.store(core.ConfigMap, { namespace: "apps" }).pipe(Scope.extend(second))
        const other = yield* Informers.store(core.ConfigMap, { namespace: "other" }).pipe(
          Scope.extend(second)
        )
        yield* a.ready
        yield* b.ready
        yield* other.ready
        expect(yield* informers.size).toBe(2)
        // Two stores listed, not three.
        expect((yield* lists).count - before).toBe(2)
        expect((yield* b.list()).map(Store.keyOf)).toEqual(["apps/a"])
        expect((yield* other.list()).map(Store.keyOf)).toEqual(["other/x"])

        yield* Client.create(core.ConfigMap, cm("apps", "b"))
        yield* Eventually.eventually(
          Effect.gen(function* () {
            const seen = yield* a.get({ namespace: "apps", name: "b" })
            expect(Option.map(seen, (o) => o.kind)).toEqual(Option.some("ConfigMap"))
            expect((yield* b.list()).map(Store.keyOf).sort()).toEqual(["apps/a", "apps/b"])
          })
        )

        // One user leaves: the store goes on for the other; the last one leaves: it stops.
        yield* Scope.close(first, Exit.void)
        expect(yield* informers.size).toBe(2)
        yield* Scope.close(second, Exit.void)
        expect(yield* informers.size).toBe(0)
        // Asked again, it starts again.
        const again = yield* Effect.scoped(
          Effect.gen(function* () {
            const c = yield* informers.store(core.ConfigMap, { namespace: "apps" })
            yield* c.ready
            return yield* c.size
          })
        )
        expect(again).toBe(2)
        expect((yield* lists).count - before).toBe(3)
      }).pipe(
        Effect.provide(Informers.layer()),
        Effect.provide(
          InMemoryCluster.layer({ objects: [ns("apps"), ns("other"), cm("apps", "a"), cm("other", "x")] })
        )
      )
  )
})
