/**
 * Decode benchmark: a 5,000-item PodList, decoded as the verbs decode server answers
 * (`JSON.parse` + `Resource.decodeTrusted` per item) and with the full Schema, against bare
 * `JSON.parse` measured in the same run.
 *
 *   npm run bench
 */
import { Either, Schema } from "effect"
import { Resource } from "../src/index.js"
import * as core from "../src/models/core/v1.js"

const ITEMS = 5000
const RUNS = 15

const pod = (i: number) => ({
  metadata: {
    name: `web-${i}`,
    namespace: "apps",
    uid: `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`,
    resourceVersion: String(1000 + i),
    creationTimestamp: "2026-01-01T00:00:00Z",
    labels: { app: "web", "pod-template-hash": "abc123" },
    ownerReferences: [
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-abc123", uid: "u", controller: true }
    ]
  },
  spec: {
    nodeName: `node-${i % 50}`,
    restartPolicy: "Always",
    containers: [
      {
        name: "web",
        image: "nginx:1.27",
        ports: [{ containerPort: 80, name: "http", protocol: "TCP" }],
        env: [{ name: "MODE", value: "fast" }],
        resources: { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: "100m", memory: "64Mi" } },
        readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 5 },
        volumeMounts: [{ name: "data", mountPath: "/data" }]
      }
    ],
    volumes: [{ name: "data", emptyDir: {} }]
  },
  status: {
    phase: "Running",
    podIP: `10.0.${Math.floor(i / 250)}.${i % 250}`,
    conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-01-01T00:00:05Z" }],
    containerStatuses: [
      {
        name: "web",
        ready: true,
        restartCount: 0,
        image: "nginx:1.27",
        imageID: "sha",
        state: { running: { startedAt: "2026-01-01T00:00:04Z" } }
      }
    ]
  }
})

const text = JSON.stringify({
  apiVersion: "v1",
  kind: "PodList",
  metadata: { resourceVersion: "99999" },
  items: Array.from({ length: ITEMS }, (_, i) => pod(i))
})

const time = (f: () => void): number => {
  const samples: Array<number> = []
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now()
    f()
    samples.push(performance.now() - t)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)] ?? 0
}

const isItems = (u: unknown): u is { readonly items: ReadonlyArray<unknown> } =>
  typeof u === "object" && u !== null && "items" in u && Array.isArray(u.items)

let sink = 0
const baseline = time(() => {
  const list: unknown = JSON.parse(text)
  sink += isItems(list) ? list.items.length : 0
})
const trusted = time(() => {
  const list: unknown = JSON.parse(text)
  if (!isItems(list)) throw new Error("not a list")
  for (const item of list.items) {
    const decoded = Resource.decodeTrusted(core.Pod, item)
    if (Either.isRight(decoded)) sink += decoded.right.metadata?.name?.length ?? 0
  }
})
const decodeFull = Schema.decodeUnknownSync(core.Pod.schema)
const full = time(() => {
  const list: unknown = JSON.parse(text)
  if (!isItems(list)) throw new Error("not a list")
  for (const item of list.items)
    sink += decodeFull({ apiVersion: "v1", kind: "Pod", ...Object(item) }).metadata?.name?.length ?? 0
})

const mb = (text.length / 1024 / 1024).toFixed(1)
console.log(`PodList of ${ITEMS} items (${mb} MiB), median of ${RUNS} runs`)
console.log(`  JSON.parse                      ${baseline.toFixed(1)} ms   1.00x (baseline)`)
console.log(
  `  JSON.parse + decodeTrusted      ${trusted.toFixed(1)} ms   ${(trusted / baseline).toFixed(2)}x`
)
console.log(`  JSON.parse + full Schema decode ${full.toFixed(1)} ms   ${(full / baseline).toFixed(2)}x`)
if (sink < 0) console.log(sink)
