/**
 * Mutated kubeconfigs (deleted keys, wrong types, bad base64, truncation, random bytes, duplicate
 * keys and entries, alias bombs, huge strings, bad URLs, hostile namespaces), loaded as a user
 * would (`KubeConfig.fromYaml`, `fromObject`, `fromFile`) through `NodeKube.layer`, and used for one
 * request against a local server. Property: a typed failure or a success, never a defect, hang or
 * crash; the planted token, password, keys and plugin environment appear in no output; the
 * namespace of a request is a path segment.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Schedule } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, it } from "vitest"
import { stringify as yamlStringify } from "yaml"
import { Client, KubeConfig } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { NodeKube } from "../../src/node/index.js"
import {
  assertClean,
  type CaseOutcome,
  evaluate,
  fuzz,
  type Problem,
  printSummary,
  type Secret
} from "./harness.js"
import {
  applyOp,
  applyTextOp,
  hugeString,
  type Json,
  type Op,
  type Path,
  pathsOf,
  type TextOp,
  textOp,
  wrongType
} from "./mutations.js"
import { decodedSegments, segment, segmentProblem } from "./segments.js"
import { type RecordingServer, recordingServer } from "./servers.js"

const FILE = "test/fuzz/kubeconfig.fuzz.test.ts"
const SERVER = "{{SERVER}}"
const PORT = "{{PORT}}"

// --- planted secrets -----------------------------------------------------------------------------

const TOKEN = "fuzzTok3nZq7xW2pLm9RsK4vB8nJd"
const PASSWORD = "fuzzPassw0rdHq3Ty8UiOp2As5Df"
const KEY_MARK = "fuzzKeyMaterialGh6Jk1Lz9Xc4Vb"
const ID_TOKEN = "fuzzIdT0kenNm3Qw7Er2Ty5Ui8Op"
const REFRESH = "fuzzRefr3shAs1Df4Gh7Jk0Lz3Xc"
const ENV_SECRET = "fuzzEnvS3cretVb6Nm9Qw2Er5Ty8"
const KEY_PEM = `-----BEGIN PRIVATE KEY-----\n${KEY_MARK}AAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n`
const CERT_PEM =
  "-----BEGIN CERTIFICATE-----\nMIIBfakeCertificateForFuzzingOnlyAAAAAAAAAAAAAAAAAAAA\n-----END CERTIFICATE-----\n"
const b64 = (s: string) => Buffer.from(s).toString("base64")
const KEY_DATA = b64(KEY_PEM)

const secrets: ReadonlyArray<Secret> = [
  { label: "token", value: TOKEN },
  { label: "password", value: PASSWORD },
  { label: "client key", value: KEY_MARK },
  // client-key-data as written in the file: a stretch of its base64 that encodes the key's marker.
  { label: "client-key-data", value: KEY_DATA.slice(40, 64) },
  { label: "basic auth header", value: b64(`fuzz:${PASSWORD}`) },
  { label: "id-token", value: ID_TOKEN },
  { label: "refresh-token", value: REFRESH },
  { label: "exec env value", value: ENV_SECRET }
]

// --- the kubeconfig and its mutations ------------------------------------------------------------

const BASE: Json = {
  apiVersion: "v1",
  kind: "Config",
  preferences: {},
  "current-context": "ctx-token",
  clusters: [
    {
      name: "local",
      cluster: { server: SERVER, "certificate-authority-data": b64(CERT_PEM) }
    },
    { name: "plain", cluster: { server: SERVER, "insecure-skip-tls-verify": true } }
  ],
  users: [
    { name: "u-token", user: { token: TOKEN } },
    { name: "u-basic", user: { username: "fuzz", password: PASSWORD } },
    { name: "u-cert", user: { "client-certificate-data": b64(CERT_PEM), "client-key-data": KEY_DATA } },
    {
      name: "u-oidc",
      user: { "auth-provider": { name: "oidc", config: { "id-token": ID_TOKEN, "refresh-token": REFRESH } } }
    },
    {
      name: "u-exec",
      user: {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          command: "/nonexistent/fuzz-kube-credential-plugin",
          args: ["get-token"],
          env: [{ name: "FUZZ_SECRET", value: ENV_SECRET }]
        }
      }
    }
  ],
  contexts: [
    { name: "ctx-token", context: { cluster: "local", user: "u-token", namespace: "fuzz-ns" } },
    { name: "ctx-basic", context: { cluster: "plain", user: "u-basic" } },
    { name: "ctx-cert", context: { cluster: "local", user: "u-cert", namespace: "certs" } },
    { name: "ctx-oidc", context: { cluster: "local", user: "u-oidc" } },
    { name: "ctx-exec", context: { cluster: "local", user: "u-exec" } }
  ]
}
const CONTEXTS = ["ctx-token", "ctx-basic", "ctx-cert", "ctx-oidc", "ctx-exec"]

const ALL_PATHS = pathsOf(BASE)
const isPath = (p: Path, last: string) => p[p.length - 1] === last
const DATA_PATHS = ALL_PATHS.filter(
  (p) => typeof p[p.length - 1] === "string" && String(p[p.length - 1]).endsWith("-data")
)
const SERVER_PATHS = ALL_PATHS.filter((p) => isPath(p, "server"))
const NAME_PATHS = ALL_PATHS.filter(
  (p) =>
    isPath(p, "namespace") ||
    isPath(p, "name") ||
    isPath(p, "cluster") ||
    isPath(p, "user") ||
    isPath(p, "current-context")
)

const BAD_URLS: ReadonlyArray<string> = [
  "https://[::1",
  `http://127.0.0.1:99999`,
  "http://127.0.0.1:-1",
  "",
  " ",
  "not a url",
  "http://",
  "://",
  "127.0.0.1:6443",
  "localhost",
  "ftp://127.0.0.1/",
  "file:///etc/passwd",
  "javascript:alert(1)",
  "unix:///var/run/kube.sock",
  "http://256.256.256.256",
  "http://[::1]:1",
  "http://127.0.0.1:1",
  `https://127.0.0.1:${PORT}`,
  `http://localhost:${PORT}`,
  `HTTP://127.0.0.1:${PORT}`,
  ` http://127.0.0.1:${PORT} `,
  `http://127.0.0.1:${PORT}\n`,
  `http://127.0.0.1:${PORT}/`,
  `http://127.0.0.1:${PORT}/prefix/../`,
  `http://127.0.0.1:${PORT}/a%2Fb`,
  `http://127.0.0.1:${PORT}?x=1#frag`,
  `http://fuzz:pw@127.0.0.1:${PORT}`,
  `http://127.0.0.1:${PORT}/\u0000`,
  `ws://127.0.0.1:${PORT}`,
  `http://[::ffff:127.0.0.1]:${PORT}`
]

const BAD_BASE64: ReadonlyArray<string> = [
  "!!!",
  "abc",
  "a===",
  "====",
  "=",
  "ü",
  "Zm9v%",
  "YWJj\n\tZA==",
  " ",
  "",
  "-_-_",
  "QQ"
]

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ _tag: fc.constant("delete" as const), path: fc.constantFrom(...ALL_PATHS) })
  },
  {
    weight: 3,
    arbitrary: fc.record({
      _tag: fc.constant("set" as const),
      path: fc.constantFrom(...ALL_PATHS),
      value: wrongType
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("set" as const),
      path: fc.constantFrom(...DATA_PATHS),
      value: fc.oneof(
        fc.constantFrom(...BAD_BASE64),
        fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString("base64"))
      )
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("set" as const),
      path: fc.constantFrom(...SERVER_PATHS),
      value: fc.constantFrom(...BAD_URLS)
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("set" as const),
      path: fc.constantFrom(...NAME_PATHS),
      value: segment
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      _tag: fc.constant("set" as const),
      path: fc.constantFrom(...ALL_PATHS),
      value: hugeString
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      _tag: fc.constant("duplicate" as const),
      path: fc.constantFrom<Path>(
        ["users", 0],
        ["users", 1],
        ["clusters", 0],
        ["contexts", 0],
        ["contexts", 2]
      )
    })
  }
)

interface Case {
  readonly ops: ReadonlyArray<Op>
  readonly format: "yaml" | "json" | "object" | "file"
  readonly textOps: ReadonlyArray<TextOp>
  readonly context: string | undefined
  readonly namespace: string | undefined
}

const cases: fc.Arbitrary<Case> = fc.record({
  ops: fc.array(op, { maxLength: 4 }),
  format: fc.constantFrom(
    "yaml" as const,
    "yaml" as const,
    "json" as const,
    "object" as const,
    "file" as const
  ),
  textOps: fc.array(textOp, { maxLength: 3 }),
  context: fc.option(fc.oneof(fc.constantFrom(...CONTEXTS), segment), { nil: undefined, freq: 2 }),
  namespace: fc.option(segment, { nil: undefined, freq: 4 })
})

const withServer = (text: string, server: string, port: string) =>
  text.split(SERVER).join(server).split(PORT).join(port)

const withServerDeep = (value: Json, server: string, port: string): Json => {
  if (typeof value === "string") return withServer(value, server, port)
  if (Array.isArray(value)) return value.map((v: Json) => withServerDeep(v, server, port))
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withServerDeep(v, server, port)]))
  return value
}

// --- the suite -----------------------------------------------------------------------------------

let server: RecordingServer
let dir: string

beforeAll(async () => {
  server = await recordingServer()
  server.handler = (req, res) => {
    const segments = decodedSegments(req.url ?? "")
    if (
      req.method === "GET" &&
      segments !== undefined &&
      segments.length >= 6 &&
      segments.at(-1) === "probe"
    ) {
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "probe" } }))
    } else {
      res.writeHead(404, { "content-type": "application/json" })
      res.end(
        JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: 404, reason: "NotFound" })
      )
    }
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-kube-fuzz-"))
})

afterAll(async () => {
  printSummary()
  await server.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

let fileCount = 0

const configLayer = (c: Case) => {
  const port = new URL(server.url).port
  const object = withServerDeep(c.ops.reduce(applyOp, BASE), server.url, port)
  const options = { context: c.context, namespace: c.namespace }
  if (c.format === "object") return { layer: KubeConfig.fromObject(object, options), cleanup: () => {} }
  const serialized = c.format === "json" ? JSON.stringify(object, null, 2) : yamlStringify(object)
  const text = c.textOps.reduce(applyTextOp, serialized)
  if (c.format === "file") {
    const file = path.join(dir, `config-${fileCount++}`)
    fs.writeFileSync(file, text)
    return { layer: KubeConfig.fromFile(file, options), cleanup: () => fs.rmSync(file, { force: true }) }
  }
  return { layer: KubeConfig.fromYaml(text, options), cleanup: () => {} }
}

const runCase = async (c: Case): Promise<CaseOutcome> => {
  server.requests.length = 0
  const { layer, cleanup } = configLayer(c)
  const effect = Client.get(core.ConfigMap, "probe").pipe(
    Effect.provide(
      NodeKube.layer({
        config: layer,
        retrySchedule: Schedule.recurs(1),
        timeout: "3 seconds",
        trustEnv: false
      })
    ),
    Effect.timeout("6 seconds")
  )
  try {
    return await evaluate(effect, {
      secrets,
      label: `kubeconfig (${c.format})`,
      check: () => {
        const problems: Array<Problem> = []
        for (const request of server.requests) {
          // A server URL may have a path of its own (a proxy's prefix): the request's path ends in
          // the six segments of the call.
          const all = decodedSegments(request.target)
          const segments = all?.slice(-6)
          const ns = segments?.[3]
          const shape =
            segments !== undefined &&
            segments.length === 6 &&
            segments[0] === "api" &&
            segments[2] === "namespaces" &&
            segments[4] === "configmaps" &&
            segments[5] === "probe" &&
            ns !== undefined &&
            segmentProblem(ns) === undefined
          if (!shape) {
            problems.push({
              kind: "violation",
              signature:
                "kubeconfig: the request path is not /api/v1/namespaces/<namespace>/configmaps/probe",
              detail: `sent ${request.method} ${request.target} (the namespace must be one path segment)`
            })
            break
          }
        }
        return problems
      }
    })
  } finally {
    cleanup()
  }
}

describe("fuzz: mutated kubeconfigs, loaded and used for one request", () => {
  it("end in a success or a typed failure, and never show a credential", async () => {
    const report = await fuzz("kubeconfig", FILE, cases, runCase, { runs: 1000 })
    assertClean(report)
  }, 1_800_000)
})
