/**
 * The integration test bed: a real etcd + kube-apiserver on free loopback ports, as
 * controller-runtime's envtest runs them. Plain Node on purpose: it is infrastructure that must
 * start and stop reliably whatever the code under test does.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as https from "node:https"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

/** Identities the test bed creates, each with its own kubeconfig. */
export type Identity = "admin-cert" | "nobody-cert" | "admin-token" | "limited-token"

export interface EnvtestInfo {
  readonly dir: string
  readonly server: string
  readonly port: number
  readonly caFile: string
  readonly caData: string
  readonly adminToken: string
  readonly limitedToken: string
  readonly adminCertFile: string
  readonly adminKeyFile: string
  readonly nobodyCertFile: string
  readonly nobodyKeyFile: string
  /** A CA that did not sign the server's certificate. */
  readonly wrongCaFile: string
  /** etcd's client URL (its v3 JSON gateway serves `/v3/kv/...`). */
  readonly etcdUrl: string
  readonly kubeconfigs: Readonly<Record<Identity, string>>
}

export interface Envtest extends EnvtestInfo {
  readonly stop: () => Promise<void>
  /** Stops only the apiserver (etcd keeps the data), for fault tests; `SIGKILL`: kill -9. */
  readonly stopApiserver: (signal?: "SIGTERM" | "SIGKILL") => Promise<void>
  /** Starts the apiserver again on the same port. */
  readonly startApiserver: () => Promise<void>
}

/** Finds the etcd and kube-apiserver binaries, building them when needed (scripts/envtest.sh). */
export const binaries = (): string => {
  try {
    const out = execFileSync("bash", [path.join(ROOT, "scripts/envtest.sh")], {
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8"
    })
    const dir = out.trim().split("\n").pop() ?? ""
    if (!fs.existsSync(path.join(dir, "kube-apiserver"))) throw new Error(`no kube-apiserver in '${dir}'`)
    return dir
  } catch (cause) {
    throw new Error(
      "The integration tests need a real etcd and kube-apiserver and none could be had. " +
        "Set KUBEBUILDER_ASSETS to a folder holding the 'etcd' and 'kube-apiserver' binaries, " +
        "or run 'bash scripts/envtest.sh' as root on Debian to build them. Cause: " +
        String(cause instanceof Error ? cause.message : cause)
    )
  }
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const openssl = (cwd: string, args: ReadonlyArray<string>): void => {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] })
}

const makeCa = (dir: string, name: string): void => {
  openssl(dir, ["genrsa", "-out", `${name}.key`, "2048"])
  openssl(dir, [
    "req",
    "-x509",
    "-new",
    "-key",
    `${name}.key`,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-out",
    `${name}.crt`
  ])
}

const signCert = (
  dir: string,
  name: string,
  subject: string,
  ext: string
): { readonly cert: string; readonly key: string } => {
  openssl(dir, ["genrsa", "-out", `${name}.key`, "2048"])
  openssl(dir, ["req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`])
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext)
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.crt`
  ])
  return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) }
}

const kubeconfig = (server: string, caFile: string, user: Record<string, string>): string =>
  [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: envtest",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority: ${caFile}`,
    "contexts:",
    "- name: envtest",
    "  context:",
    "    cluster: envtest",
    "    user: envtest",
    "    namespace: default",
    "current-context: envtest",
    "users:",
    "- name: envtest",
    "  user:",
    ...Object.entries(user).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`),
    ""
  ].join("\n")

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const waitReady = async (
  server: string,
  ca: string,
  token: string,
  proc: ChildProcess,
  logFile: string
): Promise<void> => {
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      throw new Error(`kube-apiserver exited with ${proc.exitCode}; see ${logFile}:\n${tail(logFile)}`)
    }
    const ok = await new Promise<boolean>((resolve) => {
      const req = https.get(
        `${server}/readyz`,
        { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2000 },
        (res) => {
          res.resume()
          resolve(res.statusCode === 200)
        }
      )
      req.on("error", () => resolve(false))
      req.on("timeout", () => {
        req.destroy()
        resolve(false)
      })
    })
    if (ok) return
    await sleep(300)
  }
  throw new Error(`kube-apiserver not ready after 90 s; see ${logFile}:\n${tail(logFile)}`)
}

const tail = (file: string): string => {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-30).join("\n")
  } catch {
    return ""
  }
}

const stopProcess = async (
  proc: ChildProcess | undefined,
  signal: "SIGTERM" | "SIGKILL" = "SIGTERM"
): Promise<void> => {
  if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()))
  proc.kill(signal)
  const timer = setTimeout(() => proc.kill("SIGKILL"), 5000)
  await exited
  clearTimeout(timer)
}

const live = new Set<ChildProcess>()
process.once("exit", () => {
  for (const p of live) p.kill("SIGKILL")
})

const track = (proc: ChildProcess): ChildProcess => {
  live.add(proc)
  proc.once("exit", () => live.delete(proc))
  return proc
}

/** Starts etcd + kube-apiserver in a fresh temp dir. */
export const start = async (options: { readonly log?: (line: string) => void } = {}): Promise<Envtest> => {
  const log = options.log ?? (() => {})
  const bin = binaries()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-kube-envtest-"))
  const certs = path.join(dir, "pki")
  fs.mkdirSync(certs)

  makeCa(certs, "ca")
  const serving = signCert(
    certs,
    "apiserver",
    "/CN=kube-apiserver",
    [
      "basicConstraints=CA:FALSE",
      "keyUsage=digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc,DNS:envtest.local"
    ].join("\n")
  )
  const clientExt = [
    "basicConstraints=CA:FALSE",
    "keyUsage=digitalSignature,keyEncipherment",
    "extendedKeyUsage=clientAuth"
  ].join("\n")
  const admin = signCert(certs, "admin", "/O=system:masters/CN=envtest-admin", clientExt)
  const nobody = signCert(certs, "nobody", "/CN=envtest-nobody", clientExt)
  const wrong = path.join(dir, "wrong")
  fs.mkdirSync(wrong)
  makeCa(wrong, "ca")
  openssl(certs, ["genrsa", "-out", "sa.key", "2048"])
  openssl(certs, ["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"])

  const adminToken = `admin-${Math.random().toString(36).slice(2)}`
  const limitedToken = `limited-${Math.random().toString(36).slice(2)}`
  const tokens = path.join(certs, "tokens.csv")
  fs.writeFileSync(
    tokens,
    `${adminToken},envtest-admin-token,100,"system:masters"\n${limitedToken},envtest-limited,101,"envtest:limited"\n`
  )

  const etcdPort = await freePort()
  const peerPort = await freePort()
  const port = await freePort()
  const server = `https://127.0.0.1:${port}`
  const caFile = path.join(certs, "ca.crt")
  const caData = fs.readFileSync(caFile, "utf8")

  const etcdLog = path.join(dir, "etcd.log")
  const etcd = track(
    spawn(
      path.join(bin, "etcd"),
      [
        "--data-dir",
        path.join(dir, "etcd"),
        "--listen-client-urls",
        `http://127.0.0.1:${etcdPort}`,
        "--advertise-client-urls",
        `http://127.0.0.1:${etcdPort}`,
        "--listen-peer-urls",
        `http://127.0.0.1:${peerPort}`,
        "--initial-advertise-peer-urls",
        `http://127.0.0.1:${peerPort}`,
        "--initial-cluster",
        `default=http://127.0.0.1:${peerPort}`,
        "--unsafe-no-fsync"
      ],
      { stdio: ["ignore", fs.openSync(etcdLog, "a"), fs.openSync(etcdLog, "a")] }
    )
  )

  const apiserverLog = path.join(dir, "apiserver.log")
  let apiserver: ChildProcess | undefined
  const startApiserver = async () => {
    apiserver = track(
      spawn(
        path.join(bin, "kube-apiserver"),
        [
          `--etcd-servers=http://127.0.0.1:${etcdPort}`,
          "--bind-address=127.0.0.1",
          "--advertise-address=127.0.0.1",
          `--secure-port=${port}`,
          `--cert-dir=${path.join(dir, "apiserver-certs")}`,
          `--tls-cert-file=${serving.cert}`,
          `--tls-private-key-file=${serving.key}`,
          "--service-account-issuer=https://kubernetes.default.svc",
          `--service-account-key-file=${path.join(certs, "sa.pub")}`,
          `--service-account-signing-key-file=${path.join(certs, "sa.key")}`,
          "--service-cluster-ip-range=10.0.0.0/16",
          "--authorization-mode=RBAC",
          `--token-auth-file=${tokens}`,
          `--client-ca-file=${caFile}`,
          "--allow-privileged=true",
          "--enable-priority-and-fairness=false",
          "--disable-admission-plugins=ServiceAccount"
        ],
        { stdio: ["ignore", fs.openSync(apiserverLog, "a"), fs.openSync(apiserverLog, "a")] }
      )
    )
    await waitReady(server, caData, adminToken, apiserver, apiserverLog)
  }
  const stopApiserver = (signal?: "SIGTERM" | "SIGKILL") => stopProcess(apiserver, signal)

  const kubeconfigs: Record<Identity, string> = {
    "admin-cert": path.join(dir, "admin-cert.kubeconfig"),
    "nobody-cert": path.join(dir, "nobody-cert.kubeconfig"),
    "admin-token": path.join(dir, "admin-token.kubeconfig"),
    "limited-token": path.join(dir, "limited-token.kubeconfig")
  }
  fs.writeFileSync(
    kubeconfigs["admin-cert"],
    kubeconfig(server, caFile, { "client-certificate": admin.cert, "client-key": admin.key })
  )
  fs.writeFileSync(
    kubeconfigs["nobody-cert"],
    kubeconfig(server, caFile, { "client-certificate": nobody.cert, "client-key": nobody.key })
  )
  fs.writeFileSync(kubeconfigs["admin-token"], kubeconfig(server, caFile, { token: adminToken }))
  fs.writeFileSync(kubeconfigs["limited-token"], kubeconfig(server, caFile, { token: limitedToken }))

  const stop = async () => {
    await stopProcess(apiserver)
    await stopProcess(etcd)
    if (process.env.EFFECT_KUBE_KEEP_ENVTEST === undefined) fs.rmSync(dir, { recursive: true, force: true })
  }

  try {
    log(`[envtest] starting etcd :${etcdPort} and kube-apiserver ${server} in ${dir}`)
    await startApiserver()
    log("[envtest] kube-apiserver ready")
  } catch (error) {
    await stop()
    throw error
  }

  return {
    dir,
    server,
    port,
    caFile,
    caData,
    adminToken,
    limitedToken,
    adminCertFile: admin.cert,
    adminKeyFile: admin.key,
    nobodyCertFile: nobody.cert,
    nobodyKeyFile: nobody.key,
    wrongCaFile: path.join(wrong, "ca.crt"),
    etcdUrl: `http://127.0.0.1:${etcdPort}`,
    kubeconfigs,
    stop,
    stopApiserver,
    startApiserver
  }
}

/**
 * Compacts etcd's history up to its current revision, as the apiserver does every few minutes:
 * afterwards a watch or a list continue token from an older version gets 410 Gone.
 */
export const compactEtcd = async (etcdUrl: string): Promise<number> => {
  const range = await fetch(`${etcdUrl}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: Buffer.from("/").toString("base64") })
  })
  const body: unknown = await range.json()
  const revision =
    typeof body === "object" &&
    body !== null &&
    "header" in body &&
    typeof body.header === "object" &&
    body.header !== null &&
    "revision" in body.header
      ? Number(body.header.revision)
      : Number.NaN
  if (!Number.isFinite(revision)) throw new Error(`etcd answered no revision: ${JSON.stringify(body)}`)
  const compacted = await fetch(`${etcdUrl}/v3/kv/compaction`, {
    method: "POST",
    body: JSON.stringify({ revision: String(revision), physical: true })
  })
  const text = await compacted.text()
  // Compacting again at a revision already compacted is a no-op for our purpose.
  if (!compacted.ok && !text.includes("compacted"))
    throw new Error(`etcd compaction failed: ${compacted.status} ${text}`)
  return revision
}
