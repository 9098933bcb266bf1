// Fixtures of the Node transport's tests: certificates made with openssl (EC P-256, quick) in a
// temporary directory, once per test file, a TCP proxy that can black-hole its connections, and
// the transport for a plain loopback server with a token and no retries.
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Layer, Redacted, Schedule } from "effect"
import type { ResolvedConfig } from "../../src/config/KubeConfig.js"
import { KubeConfig } from "../../src/index.js"
import { NodeKubeHttpClient } from "../../src/node/index.js"

/** The configuration of a plain server on loopback: a token, namespace "default". */
export const plainConfig = (server: string): ResolvedConfig => ({
  source: "test",
  cluster: { server, insecureSkipTlsVerify: false, disableCompression: false },
  namespace: "default",
  credentials: Effect.succeed({ token: Redacted.make("tok") }),
  invalidateCredentials: Effect.void,
  refreshable: false
})

/** The Node transport (and its KubeConfig) for a plain server on loopback, without retries. */
export const plainTransport = (server: string, options: { readonly compression?: boolean } = {}) =>
  NodeKubeHttpClient.layer({ retrySchedule: Schedule.stop, ...options }).pipe(
    Layer.provideMerge(KubeConfig.layer(plainConfig(server)))
  )

export interface Pair {
  readonly cert: string
  readonly key: string
}

export interface Certs {
  /** The cluster's CA. */
  readonly ca: string
  /** Another CA, that signed nothing the servers use. */
  readonly otherCa: string
  /** Signed by `ca` for 127.0.0.1 and localhost. */
  readonly server: Pair
  /** Signed by `ca` for other.example only. */
  readonly wrongName: Pair
  /** Signed by `ca` for 127.0.0.1, expired. */
  readonly expired: Pair
  /** Self-signed, for 127.0.0.1. */
  readonly selfSigned: Pair
  /** A client certificate signed by `ca`. */
  readonly client: Pair
}

const openssl = (cwd: string, args: ReadonlyArray<string>): void => {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] })
}

const newKey = (cwd: string, name: string) =>
  openssl(cwd, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.key`])

const selfSigned = (cwd: string, name: string, ext: string) => {
  newKey(cwd, name)
  fs.writeFileSync(path.join(cwd, `${name}.ext`), ext)
  openssl(cwd, [
    "req",
    "-x509",
    "-new",
    "-key",
    `${name}.key`,
    "-subj",
    `/CN=${name}`,
    "-days",
    "2",
    "-addext",
    ext,
    "-out",
    `${name}.crt`
  ])
}

const signed = (cwd: string, ca: string, name: string, ext: string, days: string) => {
  newKey(cwd, name)
  openssl(cwd, ["req", "-new", "-key", `${name}.key`, "-subj", `/CN=${name}`, "-out", `${name}.csr`])
  fs.writeFileSync(path.join(cwd, `${name}.ext`), ext)
  openssl(cwd, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-days",
    days,
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.crt`
  ])
}

let made: Certs | undefined

/** The certificates (made on first use). */
export const certs = (): Certs => {
  if (made !== undefined) return made
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-kube-certs-"))
  const read = (name: string): Pair => ({
    cert: fs.readFileSync(path.join(dir, `${name}.crt`), "utf8"),
    key: fs.readFileSync(path.join(dir, `${name}.key`), "utf8")
  })
  selfSigned(dir, "ca", "basicConstraints=critical,CA:TRUE")
  selfSigned(dir, "other-ca", "basicConstraints=critical,CA:TRUE")
  const local = "subjectAltName=IP:127.0.0.1,DNS:localhost"
  signed(dir, "ca", "server", local, "2")
  signed(dir, "ca", "wrong-name", "subjectAltName=DNS:other.example", "2")
  // A negative validity ends before it starts: expired as soon as it is made.
  signed(dir, "ca", "expired", local, "-1")
  selfSigned(dir, "self-signed", local)
  signed(dir, "ca", "client", "extendedKeyUsage=clientAuth", "2")
  made = {
    ca: read("ca").cert,
    otherCa: read("other-ca").cert,
    server: read("server"),
    wrongName: read("wrong-name"),
    expired: read("expired"),
    selfSigned: read("self-signed"),
    client: read("client")
  }
  fs.rmSync(dir, { recursive: true, force: true })
  return made
}

export interface TcpProxy {
  /** `https://127.0.0.1:<port>` of the proxy. */
  readonly url: string
  /** How many connections the proxy accepted so far. */
  readonly connections: () => number
  /** From now on the connections open so far forward nothing, either way, and stay open. */
  readonly blackHole: () => void
}

/** A TCP proxy in front of `127.0.0.1:port`; new connections always work. Closed with the scope. */
export const tcpProxy = (port: number) =>
  Effect.acquireRelease(
    Effect.async<TcpProxy & { readonly close: () => void }>((resume) => {
      const pairs: Array<readonly [net.Socket, net.Socket]> = []
      const proxy = net.createServer((client) => {
        const upstream = net.connect(port, "127.0.0.1")
        client.pipe(upstream)
        upstream.pipe(client)
        client.on("error", () => upstream.destroy())
        upstream.on("error", () => client.destroy())
        pairs.push([client, upstream])
      })
      proxy.listen(0, "127.0.0.1", () => {
        const address = proxy.address()
        const proxyPort = typeof address === "object" && address !== null ? address.port : 0
        resume(
          Effect.succeed({
            url: `https://127.0.0.1:${proxyPort}`,
            connections: () => pairs.length,
            blackHole: () => {
              for (const [client, upstream] of pairs) {
                client.unpipe(upstream)
                upstream.unpipe(client)
                client.pause()
                upstream.pause()
              }
            },
            close: () => {
              for (const [client, upstream] of pairs) {
                client.destroy()
                upstream.destroy()
              }
              proxy.close()
            }
          })
        )
      })
    }),
    (p) => Effect.sync(p.close)
  )
