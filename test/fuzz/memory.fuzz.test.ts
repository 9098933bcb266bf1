/**
 * Names and namespaces through the verbs against the in-memory cluster (its router included).
 * Property: a call whose name or namespace is not a path segment fails typed and changes nothing;
 * any other call changes no stored object but its target (for a namespace: the namespace and what
 * it holds; for deleteCollection: the objects of its namespace).
 */
import { Effect, Exit, Layer, Stream } from "effect"
import fc from "fast-check"
import { afterAll, describe, it } from "vitest"
import { Client, type Resource } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { InMemoryCluster } from "../../src/testing/index.js"
import { assertClean, type CaseOutcome, evaluate, fuzz, type Problem, printSummary } from "./harness.js"
import { dnsLabel, segment, segmentProblem } from "./segments.js"

const FILE = "test/fuzz/memory.fuzz.test.ts"

type Verb = "get" | "delete" | "patch" | "set" | "replace" | "apply" | "create" | "deleteCollection" | "list"

interface Case {
  readonly configNamespace: string
  readonly verb: Verb
  readonly kind: "ConfigMap" | "Namespace"
  readonly name: string
  readonly namespace: string | undefined
  readonly objectNamespace: string | undefined
  readonly labels: { readonly [key: string]: string } | undefined
}

/** Names already stored, so that a wrong path has something to destroy. */
const STORED_NAMES = ["a", "b", "web"]
const STORED_NAMESPACES = ["default", "ns1", "ns2"]

const name = fc.oneof(
  { weight: 3, arbitrary: segment },
  { weight: 2, arbitrary: fc.constantFrom(...STORED_NAMES, ...STORED_NAMESPACES) }
)
const namespace = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant("*") },
  { weight: 2, arbitrary: fc.constantFrom(...STORED_NAMESPACES) },
  { weight: 3, arbitrary: segment }
)

const cases: fc.Arbitrary<Case> = fc
  .record({
    configNamespace: fc.oneof(fc.constantFrom(...STORED_NAMESPACES), segment),
    verb: fc.constantFrom<Verb>(
      "get",
      "delete",
      "patch",
      "set",
      "replace",
      "apply",
      "create",
      "deleteCollection",
      "list"
    ),
    kind: fc.constantFrom("ConfigMap" as const, "Namespace" as const),
    name,
    namespace,
    objectNamespace: fc.option(
      namespace.filter((n) => n !== undefined),
      { nil: undefined }
    ),
    labels: fc.option(
      fc.dictionary(fc.constantFrom("app", "tier", "x"), fc.oneof(dnsLabel, fc.constantFrom("web", "db"))),
      {
        nil: undefined
      }
    )
  })
  .map((c) => (c.verb === "deleteCollection" || c.verb === "list" ? { ...c, kind: "ConfigMap" as const } : c))

const seed: ReadonlyArray<Resource.KubeObject> = [
  ...STORED_NAMESPACES.map((n) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: n } })),
  ...STORED_NAMESPACES.flatMap((ns) =>
    STORED_NAMES.map((n) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: n, namespace: ns, labels: { app: n === "web" ? "web" : "db" } },
      data: { k: `${ns}/${n}` }
    }))
  )
]

const keyOf = (o: Resource.GenericObject) =>
  `${o.kind} ${o.metadata?.namespace ?? "-"}/${o.metadata?.name ?? "?"}`

const snapshot = (objects: ReadonlyArray<Resource.GenericObject>) =>
  new Map(objects.map((o) => [keyOf(o), JSON.stringify(o)] as const))

const callOf = (c: Case): Effect.Effect<unknown, unknown, Client.Requirements> => {
  const ns = { namespace: c.namespace }
  const metadata = {
    name: c.name,
    ...(c.objectNamespace !== undefined ? { namespace: c.objectNamespace } : {})
  }
  const withKind = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
    resource: Resource.Resource<A, N, S, I>,
    object: A
  ): Effect.Effect<unknown, unknown, Client.Requirements> => {
    switch (c.verb) {
      case "get":
        return Client.get(resource, c.name, ns)
      case "delete":
        return Client.delete(resource, c.name, ns)
      case "patch":
        return Client.patch(
          resource,
          c.name,
          { metadata: { labels: { fuzz: "x" } } },
          { ...ns, patchType: "merge" }
        )
      case "set":
        return Client.set(resource, c.name, { labels: { fuzz: "x" } }, ns)
      case "replace":
        return Client.replace(resource, object, ns)
      case "apply":
        return Client.apply(resource, object, { ...ns, fieldManager: "fuzz", force: true })
      case "create":
        return Client.create(resource, object, ns)
      case "deleteCollection":
        return Client.deleteCollection(resource, { ...ns, labels: c.labels })
      case "list":
        return Stream.runDrain(Client.list(resource, { ...ns, labels: c.labels }))
    }
  }
  return c.kind === "ConfigMap"
    ? withKind(core.ConfigMap, { apiVersion: "v1", kind: "ConfigMap", metadata, data: { k: "fuzz" } })
    : withKind(core.Namespace, { apiVersion: "v1", kind: "Namespace", metadata })
}

interface Target {
  /** A reason the call must be refused, or undefined. */
  readonly refuse: string | undefined
  /** Whether a stored object may change. */
  readonly mayChange: (key: string) => boolean
}

const targetOf = (c: Case): Target => {
  const objectVerb = c.verb === "replace" || c.verb === "apply" || c.verb === "create"
  const namedInPath = c.verb !== "create" && c.verb !== "deleteCollection" && c.verb !== "list"
  if (c.kind === "Namespace") {
    const problem = namedInPath ? segmentProblem(c.name) : undefined
    return {
      refuse: problem !== undefined ? `a name that is ${problem}` : undefined,
      // Deleting a namespace takes what it holds.
      mayChange: (key) =>
        c.verb !== "get" &&
        problem === undefined &&
        (key === `Namespace -/${c.name}` || (c.verb === "delete" && key.startsWith(`ConfigMap ${c.name}/`)))
    }
  }
  const effective = c.namespace ?? (objectVerb ? c.objectNamespace : undefined) ?? c.configNamespace
  const everywhere = c.namespace === "*"
  const nsProblem = everywhere ? undefined : segmentProblem(effective)
  const nameProblem = namedInPath ? segmentProblem(c.name) : undefined
  const refuse =
    nsProblem !== undefined
      ? `a namespace that is ${nsProblem}`
      : nameProblem !== undefined
        ? `a name that is ${nameProblem}`
        : undefined
  return {
    refuse,
    mayChange: (key) => {
      if (refuse !== undefined || c.verb === "get" || c.verb === "list") return false
      if (c.verb === "deleteCollection")
        return everywhere ? key.startsWith("ConfigMap ") : key.startsWith(`ConfigMap ${effective}/`)
      // An object verb with every namespace (`*`) has no single target.
      if (everywhere) return false
      return key === `ConfigMap ${effective}/${c.name}`
    }
  }
}

const runCase = async (c: Case): Promise<CaseOutcome> => {
  let before = new Map<string, string>()
  let after = new Map<string, string>()
  const effect = Effect.gen(function* () {
    const cluster = yield* InMemoryCluster.InMemoryCluster
    before = snapshot(yield* cluster.objects)
    const exit = yield* Effect.exit(callOf(c))
    after = snapshot(yield* cluster.objects)
    return yield* exit
  }).pipe(
    Effect.provide(Layer.fresh(InMemoryCluster.layer({ objects: seed, namespace: c.configNamespace }))),
    Effect.timeout("6 seconds")
  )
  return evaluate(effect, {
    secrets: [],
    label: `${c.verb} ${c.kind}`,
    check: (exit) => {
      const target = targetOf(c)
      const changed = [...before.keys()].filter((k) => after.get(k) !== before.get(k))
      const problems: Array<Problem> = []
      const wrong = changed.filter((k) => !target.mayChange(k))
      if (wrong.length > 0) {
        problems.push({
          kind: "violation",
          signature: `${c.verb} ${c.kind}: changed ${target.refuse !== undefined ? `stored objects for ${target.refuse}` : "stored objects other than its target"}`,
          detail: `${c.verb} ${c.kind} name ${JSON.stringify(c.name)} namespace ${JSON.stringify(c.namespace)} (config ${JSON.stringify(c.configNamespace)}) changed ${JSON.stringify(wrong.slice(0, 6))}${wrong.length > 6 ? ` and ${wrong.length - 6} more` : ""}`
        })
      }
      if (target.refuse !== undefined && exit !== undefined && Exit.isSuccess(exit)) {
        problems.push({
          kind: "violation",
          signature: `${c.verb} ${c.kind}: succeeded with ${target.refuse}`,
          detail: `${c.verb} ${c.kind} name ${JSON.stringify(c.name)} namespace ${JSON.stringify(c.namespace)} (config ${JSON.stringify(c.configNamespace)}) succeeded; it must fail typed and change nothing`
        })
      }
      return problems
    }
  })
}

afterAll(() => printSummary())

describe("fuzz: names and namespaces against the in-memory cluster", () => {
  it("a bad name or namespace fails typed and changes nothing; a good one changes only its target", async () => {
    const report = await fuzz("in-memory", FILE, cases, runCase, { runs: 2000 })
    assertClean(report)
  }, 1_800_000)
})
