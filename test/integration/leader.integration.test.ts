import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Client, KubeConfig } from "../../src/index.js"
import * as coordination from "../../src/models/coordination/v1.js"
import { NodeKube } from "../../src/node/index.js"
import { type Envtest, start } from "../harness/Envtest.js"

// Several candidate processes, each reaching a private apiserver (which the test stops) through a
// TCP proxy of its own (which the test cuts). Each prints when its body starts and ends; the test
// checks that the leading intervals never overlap and reports the failover times.

const ROOT = path.resolve(__dirname, "../..")
const LEASE_DURATION = 4000
const RENEW_DEADLINE = 2500
const RETRY_PERIOD = 500

let env: Envtest
beforeAll(async () => {
  env = await start()
}, 120_000)
afterAll(async () => {
  await env?.stop()
})

interface Proxy {
  readonly port: number
  /** Cuts the open connections; new ones are accepted and never answered (a black hole). */
  readonly cut: () => void
  readonly restore: () => void
  readonly close: () => void
}

const makeProxy = (target: number): Promise<Proxy> => {
  const sockets = new Set<net.Socket>()
  let cut = false
  const server = net.createServer((client) => {
    sockets.add(client)
    client.on("error", () => client.destroy())
    client.on("close", () => sockets.delete(client))
    if (cut) return // held, never answered
    const upstream = net.connect(target, "127.0.0.1")
    sockets.add(upstream)
    const close = () => {
      client.destroy()
      upstream.destroy()
    }
    upstream.on("error", close)
    upstream.on("close", () => {
      sockets.delete(upstream)
      close()
    })
    client.on("close", close)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resolve({
        port,
        cut: () => {
          cut = true
          for (const socket of sockets) socket.destroy()
        },
        restore: () => {
          cut = false
        },
        close: () => {
          for (const socket of sockets) socket.destroy()
          server.close()
        }
      })
    })
  })
}

interface Event {
  readonly kind: string
  readonly who: string
  readonly at: number
}

interface Candidate {
  readonly identity: string
  readonly process: ChildProcess
  readonly proxy: Proxy
  readonly exited: Promise<number | null>
}

const events: Array<Event> = []
/** The candidates' other output (their logs), shown when the test fails. */
const output: Array<string> = []
const candidates: Array<Candidate> = []

const spawnCandidate = async (identity: string, lease: string): Promise<Candidate> => {
  const proxy = await makeProxy(env.port)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "leader-"))
  const kubeconfig = path.join(dir, "kubeconfig")
  fs.writeFileSync(
    kubeconfig,
    fs
      .readFileSync(env.kubeconfigs["admin-token"], "utf8")
      .replace(env.server, `https://127.0.0.1:${proxy.port}`)
  )
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "test/fixtures/leader.ts")], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      KUBECONFIG: kubeconfig,
      LEASE: lease,
      IDENTITY: identity,
      LEASE_DURATION_MS: String(LEASE_DURATION),
      RENEW_DEADLINE_MS: String(RENEW_DEADLINE),
      RETRY_PERIOD_MS: String(RETRY_PERIOD)
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let rest = ""
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (rest + chunk).split("\n")
    rest = lines.pop() ?? ""
    for (const line of lines) {
      const match = /^(LEADING|STOPPED|LOST\S*) (\S+) (\d+)$/.exec(line.trim())
      if (match?.[1] !== undefined && match[2] !== undefined)
        events.push({ kind: match[1], who: match[2], at: Number(match[3]) })
      else output.push(`${identity}: ${line}`)
    }
  })
  let stderr = ""
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      if (code !== 0 && code !== null && stderr !== "") console.error(`${identity}: ${stderr.slice(-2000)}`)
      resolve(code)
    })
  )
  const candidate = { identity, process: child, proxy, exited }
  candidates.push(candidate)
  return candidate
}

/** The first event after `since` matching, waiting up to `timeout` ms. */
const next = async (predicate: (e: Event) => boolean, since: number, timeout = 30_000): Promise<Event> => {
  const deadline = Date.now() + timeout
  while (Date.now() < deadline) {
    const found = events.find((e) => e.at >= since && predicate(e))
    if (found !== undefined) return found
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(
    `no such event within ${timeout} ms; events: ${JSON.stringify(events)}; output:\n${output.join("\n")}`
  )
}

const byName = (identity: string) => {
  const found = candidates.find((c) => c.identity === identity)
  if (found === undefined) throw new Error(`no candidate ${identity}`)
  return found
}

/** Leading intervals per identity: LEADING to STOPPED (or KILLED); an open one ends at `end`. */
const intervalsOf = (end: number) => {
  const open = new Map<string, number>()
  const out: Array<{ who: string; start: number; end: number }> = []
  for (const e of [...events].sort((a, b) => a.at - b.at)) {
    if (e.kind === "LEADING") open.set(e.who, e.at)
    else if (e.kind === "STOPPED" || e.kind === "KILLED") {
      const start = open.get(e.who)
      if (start !== undefined) out.push({ who: e.who, start, end: e.at })
      open.delete(e.who)
    }
  }
  for (const [who, start] of open) out.push({ who, start, end })
  return out.sort((a, b) => a.start - b.start)
}

describe("leader election on a real apiserver, candidates in processes of their own", () => {
  it("fails over after kill -9, an apiserver outage longer than the renew deadline, a cut connection and a shutdown; never two leaders", async () => {
    const lease = `elect-${Math.random().toString(36).slice(2, 8)}`
    const figures: Record<string, number> = {}
    try {
      for (const id of ["c1", "c2", "c3"]) await spawnCandidate(id, lease)
      const first = await next((e) => e.kind === "LEADING", 0, 60_000)

      // 1. kill -9 the leader: the others wait for the lease to expire as they saw it.
      const killedAt = Date.now()
      byName(first.who).process.kill("SIGKILL")
      events.push({ kind: "KILLED", who: first.who, at: killedAt })
      const second = await next((e) => e.kind === "LEADING" && e.who !== first.who, killedAt)
      figures.killFailoverMs = second.at - killedAt
      await spawnCandidate("c4", lease)

      // 2. The apiserver stops for longer than the renew deadline: the leader stops leading.
      const stoppedAt = Date.now()
      await env.stopApiserver()
      const stopped = await next((e) => e.kind === "STOPPED" && e.who === second.who, stoppedAt)
      figures.outageLeaderStoppedAfterMs = stopped.at - stoppedAt
      await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + RENEW_DEADLINE + 2000 - Date.now())))
      const restartAt = Date.now()
      await env.startApiserver()
      figures.apiserverStartMs = Date.now() - restartAt
      // Candidates may lead before the harness's readiness check ends: any leader after the stop.
      const third = await next((e) => e.kind === "LEADING", stopped.at + 1)
      figures.outageLeaderAfterRestartMs = third.at - restartAt

      // 3. The leader's connection is cut (and new ones never answered).
      const cutAt = Date.now()
      byName(third.who).proxy.cut()
      output.push(`test: cut ${third.who} at ${new Date(cutAt).toISOString()}`)
      const fourth = await next((e) => e.kind === "LEADING" && e.who !== third.who, cutAt)
      figures.cutFailoverMs = fourth.at - cutAt
      const cutStopped = await next((e) => e.kind === "STOPPED" && e.who === third.who, cutAt)
      figures.cutLeaderStoppedAfterMs = cutStopped.at - cutAt
      byName(third.who).proxy.restore()

      // 4. The leader shuts down (SIGTERM): it releases the lease, the next one leads at its next read.
      const termAt = Date.now()
      byName(fourth.who).process.kill("SIGTERM")
      const fifth = await next((e) => e.kind === "LEADING" && e.who !== fourth.who, termAt)
      figures.releaseHandoverMs = fifth.at - termAt
      expect(await byName(fourth.who).exited).toBe(0)
    } finally {
      for (const c of candidates) c.process.kill("SIGTERM")
      await Promise.all(candidates.map((c) => c.exited))
      for (const c of candidates) c.proxy.close()
    }
    const intervals = intervalsOf(Date.now())
    console.log(
      `leader election (lease ${LEASE_DURATION} ms, renew deadline ${RENEW_DEADLINE} ms, retry ${RETRY_PERIOD} ms): ${JSON.stringify(figures)}; intervals ${JSON.stringify(intervals)}`
    )
    for (let i = 1; i < intervals.length; i++) {
      const previous = intervals[i - 1]
      const current = intervals[i]
      if (previous !== undefined && current !== undefined)
        expect(current.start).toBeGreaterThanOrEqual(previous.end)
    }
    expect(intervals.length).toBeGreaterThanOrEqual(5)
    // Every candidate ended by SIGTERM: the last leader released the lease.
    const spec = await Effect.runPromise(
      Client.get(coordination.Lease, lease, { namespace: "default" }).pipe(
        Effect.provide(NodeKube.layer({ config: KubeConfig.fromFile(env.kubeconfigs["admin-token"]) }))
      )
    )
    expect(spec.spec?.holderIdentity).toBe("")
    // One transition per change of holder (the first leader created the lease).
    const changes = intervals.filter((interval, i) => i > 0 && interval.who !== intervals[i - 1]?.who).length
    // (A candidate may take the released lease and be stopped before it says so: more, never fewer.)
    expect(spec.spec?.leaseTransitions).toBeGreaterThanOrEqual(changes)
  }, 240_000)
})
