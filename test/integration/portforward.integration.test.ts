/**
 * Port-forward through the real apiserver to the fake kubelet, whose pods' ports are TCP servers
 * of this test (echo, a source that sends and closes): `PodPortForward.connect` (one connection)
 * and `NodePortForward.forward` (local listeners, many connections).
 */
import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import * as net from "node:net"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Exit, Fiber, Scope, Stream } from "effect"
import { afterAll, beforeAll, inject } from "vitest"
import { Client, KubeConfig, PodPortForward } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { NodeKube, NodePortForward } from "../../src/node/index.js"
import * as Kubelet from "../harness/FakeKubelet.js"
import { podOn } from "../harness/Fixtures.js"
import { unique } from "../harness/Namespace.js"

const env = inject("envtest")
const ns = unique("portforward")
const admin = NodeKube.layer({
  config: KubeConfig.fromFile(env.kubeconfigs["admin-cert"], { namespace: ns })
})
let kubelet: Kubelet.FakeKubelet
const servers: Array<net.Server> = []

const MB = 1024 * 1024
/** Bytes that differ from one position to the next (a shifted or repeated piece shows). */
const payload = (size: number, seed = 0) => {
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed + (i >> 8)) & 0xff
  return out
}
const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex")

const listen = async (handler: (socket: net.Socket) => void): Promise<number> => {
  const server = net.createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
  const address = server.address()
  return typeof address === "object" && address !== null ? address.port : 0
}

/** The pod's 8080: echo. 9000: sends 1 MB then closes. 7070: accepts and stays silent. */
const SOURCE = payload(MB, 7)

beforeAll(async () => {
  kubelet = await Kubelet.start(env, unique("pf-node"))
  const echo = await listen((s) => s.pipe(s))
  const source = await listen((s) => s.end(SOURCE))
  const silent = await listen(() => {})
  kubelet.ports.set(`${ns}/web/8080`, echo)
  kubelet.ports.set(`${ns}/web/9000`, source)
  kubelet.ports.set(`${ns}/web/7070`, silent)
  kubelet.ports.set(`${ns}/doomed/8080`, echo)
  kubelet.ports.set(`${ns}/dropped/8080`, echo)
  await Effect.runPromise(
    Effect.gen(function* () {
      yield* Client.create(core.Namespace, { metadata: { name: ns } })
      yield* Kubelet.registerNode(kubelet)
      for (const name of ["web", "doomed", "dropped", "pending"]) {
        const pod = yield* Client.create(core.Pod, podOn(kubelet.nodeName, name, ["main"]))
        if (name !== "pending")
          yield* Client.replaceStatus(core.Pod, { ...pod, status: { phase: "Running" } })
      }
      yield* Client.create(core.Pod, {
        metadata: { name: "nowhere" },
        spec: { containers: [{ name: "main", image: "x" }] }
      })
    }).pipe(Effect.provide(admin))
  )
}, 60_000)
afterAll(async () => {
  await kubelet?.close()
  for (const server of servers) server.close()
})

const run = <A, E>(effect: Effect.Effect<A, E, PodPortForward.Requirements | Scope.Scope>) =>
  Effect.provide(Effect.scoped(effect), admin)

/** Waits (bounded) until `check` holds; the test's own assertion follows. */
const until = (check: () => boolean) =>
  Effect.promise(async () => {
    for (let i = 0; i < 250 && !check(); i++) await new Promise((r) => setTimeout(r, 20))
  })

/** A local TCP client: connects, sends `data`, reads until `expected` bytes or the end. */
const exchange = (port: number, data: Uint8Array, expected: number) =>
  Effect.async<{ readonly received: Buffer; readonly ended: boolean }, Error>((resume) => {
    const socket = net.connect(port, "127.0.0.1")
    const parts: Array<Buffer> = []
    let size = 0
    let done = false
    const finish = (ended: boolean) => {
      if (done) return
      done = true
      socket.destroy()
      resume(Effect.succeed({ received: Buffer.concat(parts), ended }))
    }
    socket.on("connect", () => socket.write(data))
    socket.on("data", (chunk: Buffer) => {
      parts.push(chunk)
      size += chunk.length
      if (size >= expected) finish(false)
    })
    socket.on("end", () => finish(true))
    socket.on("close", () => finish(true))
    socket.on("error", (error) => {
      if (!done) {
        done = true
        resume(Effect.fail(error))
      }
    })
    return Effect.sync(() => socket.destroy())
  })

describe("PodPortForward.connect through the real apiserver", () => {
  it.live("1 MB each way through an echo port, byte-exact, over v4.channel.k8s.io", () =>
    run(
      Effect.gen(function* () {
        const connection = yield* PodPortForward.connect("web", 8080)
        expect(connection.protocol).toBe("v4.channel.k8s.io")
        const reader = yield* Effect.fork(
          connection.stream.pipe(
            Stream.scan(Buffer.alloc(0), (all, chunk) => Buffer.concat([all, chunk])),
            Stream.takeUntil((all) => all.length >= MB),
            Stream.runLast
          )
        )
        const sent = payload(MB, 1)
        yield* Stream.make(sent.subarray(0, MB / 2), sent.subarray(MB / 2)).pipe(Stream.run(connection.sink))
        const received = yield* Fiber.join(reader)
        expect(received._tag).toBe("Some")
        if (received._tag === "Some") expect(sha(received.value)).toBe(sha(sent))
        const record = kubelet.portForwards[kubelet.portForwards.length - 1]
        expect(record?.url.pathname).toBe(`/portForward/${ns}/web`)
        // The apiserver passes `ports` on as the kubelet's `port`.
        expect(record?.url.searchParams.getAll("port")).toEqual(["8080"])
        yield* connection.close
        yield* until(() => record?.closed === true)
        expect(record?.closed).toBe(true)
      })
    )
  )

  it.live("a port that sends 1 MB and closes: the stream ends after the last byte", () =>
    run(
      Effect.gen(function* () {
        const connection = yield* PodPortForward.connect("web", 9000)
        const chunks = yield* Stream.runCollect(connection.stream)
        expect(sha(Buffer.concat(Chunk.toReadonlyArray(chunks)))).toBe(sha(SOURCE))
      })
    )
  )

  it.live("nothing listening on the port: the kubelet's message as a PortForwardError", () =>
    run(
      Effect.gen(function* () {
        const connection = yield* PodPortForward.connect("web", 9999)
        const error = yield* Effect.flip(Stream.runDrain(connection.stream))
        expect(error).toMatchObject({ _tag: "PortForwardError", reason: "Remote", pod: "web", port: 9999 })
        expect(error.message).toContain("connection refused")
      })
    )
  )

  it.live("a missing pod is a 404, a pod without a node a 400, bad ports are refused before a request", () =>
    run(
      Effect.gen(function* () {
        const missing = yield* Effect.flip(PodPortForward.connect("ghost", 8080))
        expect(missing).toMatchObject({ _tag: "ApiError", reason: "NotFound" })
        const unscheduled = yield* Effect.flip(PodPortForward.connect("nowhere", 8080))
        expect(unscheduled).toMatchObject({ _tag: "ApiError", code: 400 })
        const before = kubelet.portForwards.length
        for (const port of [0, 65536, 80.5, -1, Number.NaN]) {
          const refused = yield* Effect.flip(PodPortForward.connect("web", port))
          expect(refused._tag).toBe("InvalidRequest")
        }
        const badName = yield* Effect.flip(PodPortForward.connect("../web", 8080))
        expect(badName._tag).toBe("InvalidRequest")
        expect(kubelet.portForwards.length).toBe(before)
      })
    )
  )

  it.live("the pod going away mid-stream fails the stream: the kubelet's error, or a cut connection", () =>
    run(
      Effect.gen(function* () {
        const doomed = yield* PodPortForward.connect("doomed", 8080)
        yield* doomed.write("before")
        const echoed = yield* Deferred.make<void>()
        const first = yield* Effect.fork(
          Stream.runCollect(doomed.stream.pipe(Stream.tap(() => Deferred.succeed(echoed, undefined))))
        )
        // The echo answered; then the pod goes.
        yield* Deferred.await(echoed)
        kubelet.vanish(ns, "doomed", "error")
        const error = yield* Effect.flip(Fiber.join(first))
        expect(error).toMatchObject({ _tag: "PortForwardError", reason: "Remote" })
        expect(error.message).toContain("pod not found")
        const dropped = yield* PodPortForward.connect("dropped", 8080)
        const second = yield* Effect.fork(Stream.runDrain(dropped.stream))
        yield* until(() => kubelet.portForwards.some((r) => r.url.pathname.endsWith("/dropped")))
        kubelet.vanish(ns, "dropped", "drop")
        const cut = yield* Effect.flip(Fiber.join(second))
        expect(cut._tag).toBe("WebSocketError")
      })
    )
  )
})

describe("NodePortForward.forward through the real apiserver", () => {
  it.live("20 parallel connections on two ports, each byte-exact; 1 MB each way through one", () =>
    run(
      Effect.gen(function* () {
        const forwarder = yield* NodePortForward.forward("web", {
          ports: [{ remote: 8080 }, { remote: 9000, local: 0 }]
        })
        const [echo, source] = forwarder.ports
        expect(echo?.remote).toBe(8080)
        expect(echo?.local).toBeGreaterThan(0)
        const big = payload(MB, 3)
        const whole = yield* exchange(echo?.local ?? 0, big, MB)
        expect(sha(whole.received)).toBe(sha(big))
        const results = yield* Effect.forEach(
          Array.from({ length: 20 }, (_, i) => i),
          (i) =>
            i % 2 === 0
              ? Effect.map(exchange(echo?.local ?? 0, payload(64 * 1024, i), 64 * 1024), (r) =>
                  expect(sha(r.received)).toBe(sha(payload(64 * 1024, i)))
                )
              : Effect.map(exchange(source?.local ?? 0, new Uint8Array(0), Number.POSITIVE_INFINITY), (r) => {
                  // The pod's side closed after 1 MB: the local connection ends after the last byte.
                  expect(r.ended).toBe(true)
                  expect(sha(r.received)).toBe(sha(SOURCE))
                }),
          { concurrency: 20 }
        )
        expect(results).toHaveLength(20)
      })
    )
  )

  it.live("a failing connection is closed, logged and published; the forwarder goes on", () =>
    run(
      Effect.gen(function* () {
        const forwarder = yield* NodePortForward.forward("web", {
          ports: [{ remote: 9999 }, { remote: 8080 }]
        })
        const failures = yield* Effect.fork(Stream.runHead(forwarder.failures))
        yield* Effect.yieldNow()
        const refused = yield* exchange(forwarder.ports[0]?.local ?? 0, Buffer.from("hi"), 1)
        expect(refused).toMatchObject({ ended: true })
        expect(refused.received.length).toBe(0)
        const failure = yield* Fiber.join(failures)
        expect(failure._tag).toBe("Some")
        if (failure._tag === "Some")
          expect(failure.value).toMatchObject({ _tag: "PortForwardError", reason: "Remote" })
        const echoed = yield* exchange(forwarder.ports[1]?.local ?? 0, Buffer.from("still here"), 10)
        expect(echoed.received.toString()).toBe("still here")
      })
    )
  )

  it.live("interruption closes every listener and connection, up to the pod's side", () =>
    run(
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const before = kubelet.portForwards.length
        const forwarder = yield* NodePortForward.forward("web", { ports: [{ remote: 7070 }] }).pipe(
          Scope.extend(scope)
        )
        const port = forwarder.ports[0]?.local ?? 0
        // Three connections held open (the pod's port is silent).
        const sockets = Array.from({ length: 3 }, () => net.connect(port, "127.0.0.1"))
        for (const s of sockets) s.on("error", () => {})
        yield* until(() => kubelet.portForwards.length >= before + 3)
        const records = kubelet.portForwards.slice(before)
        expect(records).toHaveLength(3)
        expect(yield* forwarder.connections).toBe(3)
        yield* Scope.close(scope, Exit.void)
        yield* until(
          () => records.every((r) => r.closed) && sockets.every((s) => s.destroyed || s.readableEnded)
        )
        expect(records.every((r) => r.closed)).toBe(true)
        expect(records.every((r) => r.upstream.every((u) => u.destroyed))).toBe(true)
        expect(sockets.every((s) => s.destroyed || s.readableEnded)).toBe(true)
        // Nothing listens any more.
        const after = yield* Effect.either(exchange(port, Buffer.from("x"), 1))
        expect(after._tag).toBe("Left")
        for (const s of sockets) s.destroy()
      })
    )
  )

  it.live("a pod that is not running, a missing pod and a busy local port are typed failures", () =>
    run(
      Effect.gen(function* () {
        const pending = yield* Effect.flip(NodePortForward.forward("pending", { ports: [8080] }))
        expect(pending).toMatchObject({ _tag: "PortForwardError", reason: "NotRunning" })
        const missing = yield* Effect.flip(NodePortForward.forward("ghost", { ports: [8080] }))
        expect(missing).toMatchObject({ _tag: "ApiError", reason: "NotFound" })
        const first = yield* NodePortForward.forward("web", { ports: [{ remote: 8080 }] })
        const busy = yield* Effect.flip(
          NodePortForward.forward("web", { ports: [{ remote: 8080, local: first.ports[0]?.local ?? 0 }] })
        )
        expect(busy).toMatchObject({ _tag: "PortForwardError", reason: "Listen" })
        const none = yield* Effect.flip(NodePortForward.forward("web", { ports: [] }))
        expect(none._tag).toBe("InvalidRequest")
        const bad = yield* Effect.flip(
          NodePortForward.forward("web", { ports: [{ remote: 8080, local: 70000 }] })
        )
        expect(bad._tag).toBe("InvalidRequest")
      })
    )
  )
})

describe("examples/portforward.ts against the fake kubelet", () => {
  it("forwards a local port and sends a line through it", async () => {
    const ROOT = path.resolve(__dirname, "../..")
    // Asynchronous: the fake kubelet answering the example lives in this process.
    const result = await new Promise<{ readonly stdout: string; readonly stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", path.join(ROOT, "examples/portforward.ts")],
        {
          cwd: ROOT,
          timeout: 60_000,
          env: {
            ...process.env,
            KUBECONFIG: env.kubeconfigs["admin-cert"],
            NAMESPACE: ns,
            POD: "web",
            PORT: "8080"
          }
        },
        (_error, stdout, stderr) => resolve({ stdout, stderr })
      )
    })
    expect(result.stderr).toBe("")
    expect(result.stdout).toMatch(/Forwarding 127\.0\.0\.1:\d+ -> pod web port 8080/)
    expect(result.stdout).toContain("answer: hello through port-forward")
  }, 60_000)
})
