/**
 * Mutated manifests through `Codec.loadAll`: deleted keys, wrong types, huge strings, duplicate
 * entries, truncation, random bytes and insertions, duplicate keys, alias bombs, undefined and
 * self-referencing anchors, anchors from earlier documents, merge keys, tags, directives, deep
 * nesting. Property: a success or a `ManifestError`, never a defect, a hang or a crash; the data of
 * the planted Secret appears in no output.
 */
import { Effect } from "effect"
import fc from "fast-check"
import { afterAll, describe, it } from "vitest"
import { stringify as yamlStringify } from "yaml"
import { Codec } from "../../src/index.js"
import { assertClean, type CaseOutcome, evaluate, fuzz, printSummary, type Secret } from "./harness.js"
import {
  applyOp,
  applyTextOp,
  type Json,
  type Op,
  pathsOf,
  structuralOp,
  type TextOp,
  textOp,
  yamlTrick
} from "./mutations.js"

const FILE = "test/fuzz/manifests.fuzz.test.ts"

const PASSWORD = "fuzzSecr3tPasswordKm4Nj7Hb2Gv"
const TOKEN = "fuzzSecr3tTokenQa1Ws5Ed9Rf3Tg"
const b64 = (s: string) => Buffer.from(s).toString("base64")

const secrets: ReadonlyArray<Secret> = [
  { label: "Secret password", value: PASSWORD },
  { label: "Secret data (base64)", value: b64(PASSWORD) },
  { label: "Secret stringData token", value: TOKEN }
]

const DOCS: ReadonlyArray<Json> = [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } },
  {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "settings", namespace: "apps", labels: { app: "web" } },
    data: { mode: "fast", "config.json": '{"a":1}' }
  },
  {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "creds", namespace: "apps" },
    type: "Opaque",
    data: { password: b64(PASSWORD) },
    stringData: { token: TOKEN }
  },
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "apps", creationTimestamp: null },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            {
              name: "web",
              image: "nginx:1.27",
              ports: [{ containerPort: 80 }],
              resources: { limits: { cpu: "500m", memory: "128Mi" } },
              env: [{ name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } }]
            }
          ]
        }
      }
    }
  },
  { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { size: 3 } },
  {
    apiVersion: "v1",
    kind: "List",
    items: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "in-list" }, data: { a: "b" } }]
  }
]

const ALL_PATHS = pathsOf(DOCS)

/** YAML that plays with anchors across documents, to append. */
const crossDocument = fc.constantFrom(
  "---\napiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: anchored}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: *m\n",
  "---\napiVersion: v1\nkind: ConfigMap\nmetadata: *undefined\n",
  "---\napiVersion: v1\nkind: ConfigMap\nmetadata: &self {name: x, self: *self}\n",
  "---\nbase: &base {apiVersion: v1, kind: ConfigMap}\n---\n<<: *base\nmetadata: {name: merged}\n",
  "---\n<<: {apiVersion: v1, kind: ConfigMap}\nmetadata: {name: merged}\n",
  "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata:\n  <<: [*nowhere]\n",
  "---\n!!binary abc\n",
  "---\n[1, 2, 3]\n",
  "---\nplain scalar\n",
  "---\n~\n",
  "---\napiVersion: v1\nkind: List\nitems: [1, null, {kind: ConfigMap}]\n",
  "---\napiVersion: v1\nkind: ConfigMapList\nitems: not-a-list\n",
  "---\n{apiVersion: v1, kind: ConfigMap, metadata: {name: a, name: b}}\n",
  "--- !!map\napiVersion: v1\nkind: ConfigMap\n"
)

interface Case {
  readonly ops: ReadonlyArray<Op>
  readonly json: boolean
  readonly textOps: ReadonlyArray<TextOp>
  readonly append: ReadonlyArray<string>
  readonly unknownKinds: "generic" | "fail"
  readonly dropNulls: boolean
}

const cases: fc.Arbitrary<Case> = fc.record({
  ops: fc.array(structuralOp(ALL_PATHS), { maxLength: 4 }),
  json: fc.boolean(),
  textOps: fc.array(textOp, { maxLength: 3 }),
  append: fc.array(fc.oneof(crossDocument, yamlTrick), { maxLength: 2 }),
  unknownKinds: fc.constantFrom("generic" as const, "fail" as const),
  dropNulls: fc.boolean()
})

const textOf = (c: Case): string => {
  const docs = c.ops.reduce(applyOp, DOCS)
  const list: ReadonlyArray<Json> = Array.isArray(docs) ? docs : [docs]
  const text = list.map((d) => (c.json ? `${JSON.stringify(d)}\n` : yamlStringify(d))).join("---\n")
  return c.append.reduce(
    (t, a) => `${t}${t.endsWith("\n") ? "" : "\n"}${a}`,
    c.textOps.reduce(applyTextOp, text)
  )
}

const runCase = (c: Case): Promise<CaseOutcome> =>
  evaluate(
    Effect.suspend(() => Codec.loadAll(textOf(c), { unknownKinds: c.unknownKinds, dropNulls: c.dropNulls })),
    { secrets, label: "Codec.loadAll" }
  )

afterAll(() => printSummary())

describe("fuzz: mutated manifests through Codec.loadAll", () => {
  it("end in objects or a ManifestError, and never show the Secret's data", async () => {
    const report = await fuzz("manifests", FILE, cases, runCase, { runs: 800 })
    assertClean(report)
  }, 1_800_000)
})
