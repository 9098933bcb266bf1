/**
 * The port-forward protocol (`PodPortForward.connect`) and the local listener
 * (`NodePortForward.forward`) against a scripted kubelet: a `KubeWebSocket` whose messages the test
 * writes (the port prefix split or joined, a wrong port, an unknown channel, errors in pieces) and
 * whose sent messages it reads. Through the real apiserver: portforward.integration.test.ts.
 */
import * as net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Exit, Fiber, Layer, Queue, Schedule, Scope, Stream } from "effect"
import { KubeWebSocket, PodPortForward } from "../../src/index.js"
import type * as core from "../../src/models/core/v1.js"
import { NodePortForward } from "../../src/node/index.js"
import { InMemoryCluster } from "../../src/testing/index.js"

interface Kubelet {
  readonly service: KubeWebSocket.Service
  /** Messages the kubelet sends (an `end` closes the connection). */
  readonly send: (...messages: ReadonlyArray<ReadonlyArray<number> | string>) => Effect.Effect<void>
  readonly end: Effect.Effect<void>
  /** Messages received from the client. */
  readonly received: Array<Uint8Array>
  /** The next message received from the client. */
  readonly next: Effect.Effect<Uint8Array>
  readonly opened: Array<{ readonly path: string; readonly query: ReadonlyArray<readonly [string, string]> }>
  /** Completed when the client closes the connection. */
  readonly closed: Deferred.Deferred<void>
}

const bytes = (m: ReadonlyArray<number> | string) =>
  typeof m === "string" ? new Uint8Array([1, ...new TextEncoder().encode(m)]) : new Uint8Array(m)

/** One connection's kubelet (each test opens one). */
const scriptedKubelet = Effect.gen(function* () {
  const out = yield* Queue.unbounded<Uint8Array | undefined>()
  const received: Array<Uint8Array> = []
  const incoming = yield* Queue.unbounded<Uint8Array>()
  const opened: Array<{ path: string; query: ReadonlyArray<readonly [string, string]> }> = []
  const closed = yield* Deferred.make<void>()
  const service: KubeWebSocket.Service = {
    connect: (path, query, protocols) =>
      Effect.gen(function* () {
        opened.push({ path, query })
        expect(protocols).toEqual(["v4.channel.k8s.io"])
        yield* Effect.addFinalizer(() => Deferred.succeed(closed, undefined))
        return {
          protocol: "v4.channel.k8s.io",
          messages: Stream.fromQueue(out).pipe(Stream.takeWhile((m): m is Uint8Array => m !== undefined)),
          send: (data) =>
            Effect.suspend(() =>
              Deferred.isDone(closed).pipe(
                Effect.flatMap((done) =>
                  done
                    ? Effect.fail(new KubeWebSocket.WebSocketError({ reason: "Send", detail: "closed" }))
                    : Effect.zipRight(
                        Effect.sync(() => received.push(data)),
                        Queue.offer(incoming, data)
                      )
                )
              )
            )
        }
      })
  }
  const kubelet: Kubelet = {
    service,
    send: (...messages) => Effect.asVoid(Queue.offerAll(out, messages.map(bytes))),
    end: Effect.asVoid(Queue.offer(out, undefined)),
    received,
    next: Queue.take(incoming),
    opened,
    closed
  }
  return kubelet
})

const running = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "default" },
  spec: { nodeName: "n", containers: [{ name: "main", image: "x" }] },
  status: { phase: "Running" }
} satisfies core.Pod

/** The in-memory cluster (for the pod and the error answers) with the scripted kubelet's WebSocket. */
const withKubelet = (kubelet: Kubelet) =>
  Layer.merge(
    InMemoryCluster.layer({ objects: [running] }),
    Layer.succeed(KubeWebSocket.KubeWebSocket, kubelet.service)
  )

const text = (chunks: Chunk.Chunk<Uint8Array>) =>
  new TextDecoder().decode(Buffer.concat(Chunk.toReadonlyArray(chunks)))

// 8080 little-endian: 0x1f90.
const PREFIX = [0x90, 0x1f]

describe("PodPortForward.connect", () => {
  it.scopedLive("asks for one port; the prefix is checked and dropped, split or joined with data", () =>
    Effect.gen(function* () {
      const kubelet = yield* scriptedKubelet
      const connection = yield* PodPortForward.connect("web", 8080).pipe(Effect.provide(withKubelet(kubelet)))
      expect(kubelet.opened[0]?.path).toBe("/api/v1/namespaces/default/pods/web/portforward")
      expect(kubelet.opened[0]?.query).toEqual([["ports", "8080"]])
      // Data channel: the prefix in two messages, then with data in one; error channel: prefix only.
      yield* kubelet.send([0, PREFIX[0] ?? 0], [0, PREFIX[1] ?? 0, 104], [1, ...PREFIX], [0, 105], [0])
      yield* kubelet.end
      expect(text(yield* Stream.runCollect(connection.stream))).toBe("hi")
      // Read again: it ends at once (no wait for bytes that will not come).
      expect(Chunk.size(yield* Stream.runCollect(connection.stream))).toBe(0)
    })
  )

  it.scopedLive("the kubelet's error (in pieces) fails the stream after the data before it", () =>
    Effect.gen(function* () {
      const kubelet = yield* scriptedKubelet
      const connection = yield* PodPortForward.connect("web", 8080).pipe(Effect.provide(withKubelet(kubelet)))
      yield* kubelet.send(
        [0, ...PREFIX, 111, 107],
        [1, ...PREFIX],
        "error forwarding port 8080: ",
        "connection refused"
      )
      yield* kubelet.end
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Stream.runForEach(connection.stream, (chunk) =>
          Effect.sync(() => seen.push(new TextDecoder().decode(chunk)))
        )
      )
      expect(seen).toEqual(["ok"])
      expect(error).toMatchObject({
        _tag: "PortForwardError",
        reason: "Remote",
        detail: "error forwarding port 8080: connection refused"
      })
    })
  )

  it.scopedLive("a wrong port prefix or an unknown channel is a protocol error", () =>
    Effect.gen(function* () {
      const wrongPort = yield* scriptedKubelet
      const first = yield* PodPortForward.connect("web", 8080).pipe(Effect.provide(withKubelet(wrongPort)))
      yield* wrongPort.send([0, 0x91, 0x1f, 1])
      const mismatch = yield* Effect.flip(Stream.runDrain(first.stream))
      expect(mismatch).toMatchObject({ _tag: "PortForwardError", reason: "Protocol" })
      expect(mismatch.message).toContain("port 8081, not 8080")
      // A broken protocol closes the connection; a second reader gets the failure too.
      yield* Deferred.await(wrongPort.closed)
      const again = yield* Effect.flip(Stream.runDrain(first.stream))
      expect(again).toMatchObject({ _tag: "PortForwardError", reason: "Protocol" })
      const strange = yield* scriptedKubelet
      const second = yield* PodPortForward.connect("web", 8080).pipe(Effect.provide(withKubelet(strange)))
      yield* strange.send([0, ...PREFIX], [5, 1, 2])
      const channel = yield* Effect.flip(Stream.runDrain(second.stream))
      expect(channel).toMatchObject({ _tag: "PortForwardError", reason: "Protocol" })
    })
  )

  it.scopedLive(
    "writes go on channel 0 in messages of at most 32 KiB; close ends the stream and the connection",
    () =>
      Effect.gen(function* () {
        const kubelet = yield* scriptedKubelet
        const connection = yield* PodPortForward.connect("web", 8080).pipe(
          Effect.provide(withKubelet(kubelet))
        )
        const reader = yield* Effect.fork(Stream.runCollect(connection.stream))
        yield* connection.write(new Uint8Array(100 * 1024).fill(7))
        yield* Stream.make("a", "b").pipe(
          Stream.map((s) => new TextEncoder().encode(s)),
          Stream.run(connection.sink)
        )
        expect(kubelet.received.map((m) => m.length)).toEqual([32769, 32769, 32769, 4097, 2, 2])
        expect(kubelet.received.every((m) => m[0] === 0)).toBe(true)
        expect(kubelet.received.slice(4).map((m) => m[1])).toEqual([97, 98])
        yield* connection.close
        yield* Deferred.await(kubelet.closed)
        expect(Chunk.size(yield* Fiber.join(reader))).toBe(0)
        const late = yield* Effect.flip(connection.write("late"))
        expect(late._tag).toBe("WebSocketError")
      })
  )

  it.effect("bad ports and names are refused before any connection", () =>
    Effect.gen(function* () {
      const kubelet = yield* scriptedKubelet
      for (const port of [0, -1, 65536, 1.5, Number.NaN]) {
        const error = yield* Effect.flip(
          PodPortForward.connect("web", port).pipe(Effect.provide(withKubelet(kubelet)))
        )
        expect(error._tag).toBe("InvalidRequest")
      }
      for (const name of ["../web", "a/b", "", ".."]) {
        const error = yield* Effect.flip(
          PodPortForward.connect(name, 80).pipe(Effect.provide(withKubelet(kubelet)))
        )
        expect(error._tag).toBe("InvalidRequest")
      }
      expect(kubelet.opened).toHaveLength(0)
    }).pipe(Effect.scoped)
  )

  it.scoped("the in-memory cluster runs no containers: a WebSocketError that says so", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(PodPortForward.connect("web", 8080))
      expect(error._tag).toBe("WebSocketError")
      expect(error.message).toContain("port-forward")
    }).pipe(Effect.provide(InMemoryCluster.layer({ objects: [running] })))
  )
})

/** A local TCP client that sends `data`, then ends or stays, and reads what comes back. */
const client = (port: number, data: string, endAfter: boolean) =>
  Effect.async<string, Error>((resume) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(data)
      if (endAfter) socket.end()
    })
    let got = ""
    socket.on("data", (chunk: Buffer) => {
      got += chunk.toString()
    })
    socket.on("close", () => resume(Effect.succeed(got)))
    socket.on("error", (error) => resume(Effect.fail(error)))
    return Effect.sync(() => socket.destroy())
  })

describe("NodePortForward.forward against a scripted kubelet", () => {
  it.scopedLive(
    "bytes both ways; the pod closing ends the local connection; the local end closes the pod's",
    () =>
      Effect.gen(function* () {
        const kubelet = yield* scriptedKubelet
        const forwarder = yield* NodePortForward.forward("web", {
          ports: [8080].map((remote) => ({ remote }))
        }).pipe(Effect.provide(withKubelet(kubelet)))
        const local = forwarder.ports[0]?.local ?? 0
        const answer = yield* Effect.fork(client(local, "ping", false))
        const ping = yield* kubelet.next
        expect(new TextDecoder().decode(ping.subarray(1))).toBe("ping")
        yield* kubelet.send([0, ...PREFIX], [1, ...PREFIX], [0, 112, 111, 110, 103])
        yield* kubelet.end
        expect(yield* Fiber.join(answer)).toBe("pong")
      })
  )

  it.scopedLive(
    "a local client that ends its input still gets the answer; the scope closes the listener",
    () =>
      Effect.gen(function* () {
        const kubelet = yield* scriptedKubelet
        const scope = yield* Scope.make()
        const forwarder = yield* NodePortForward.forward("web", { ports: [{ remote: 8080, local: 0 }] }).pipe(
          Effect.provide(withKubelet(kubelet)),
          Scope.extend(scope)
        )
        const local = forwarder.ports[0]?.local ?? 0
        // The client sends and ends its side at once (HTTP/1.0 style); the answer comes after.
        const answer = yield* Effect.fork(client(local, "question", true))
        const question = yield* kubelet.next
        expect(new TextDecoder().decode(question.subarray(1))).toBe("question")
        yield* kubelet.send([0, ...PREFIX], [1, ...PREFIX], [0, ...new TextEncoder().encode("answer")])
        yield* kubelet.end
        expect(yield* Fiber.join(answer)).toBe("answer")
        yield* Deferred.await(kubelet.closed)
        yield* Effect.repeat(forwarder.connections, {
          until: (n) => n === 0,
          schedule: Schedule.spaced("5 millis"),
          times: 1000
        })
        expect(yield* forwarder.connections).toBe(0)
        yield* Scope.close(scope, Exit.void)
        const refused = yield* Effect.either(client(local, "x", true))
        expect(refused._tag).toBe("Left")
      })
  )

  it.scopedLive(
    "the pod closing while the local client still sends: every byte it sent arrives, no failure",
    () =>
      Effect.gen(function* () {
        const kubelet = yield* scriptedKubelet
        const forwarder = yield* NodePortForward.forward("web", { ports: [{ remote: 8080 }] }).pipe(
          Effect.provide(withKubelet(kubelet))
        )
        const size = 1024 * 1024
        const received = yield* Effect.fork(
          Effect.async<number, Error>((resume) => {
            const socket = net.connect(forwarder.ports[0]?.local ?? 0, "127.0.0.1")
            let got = 0
            const chunk = Buffer.alloc(64 * 1024, 1)
            const pump = () => {
              while (!socket.destroyed && socket.write(chunk)) {}
            }
            socket.on("connect", pump)
            socket.on("drain", pump)
            socket.on("data", (data: Buffer) => {
              got += data.length
            })
            socket.on("close", () => resume(Effect.succeed(got)))
            socket.on("error", () => {})
            return Effect.sync(() => socket.destroy())
          })
        )
        yield* kubelet.next
        yield* kubelet.send(
          [0, ...PREFIX],
          [1, ...PREFIX],
          ...Array.from({ length: 16 }, () => [0, ...new Uint8Array(size / 16).fill(7)])
        )
        yield* kubelet.end
        expect(yield* Fiber.join(received)).toBe(size)
        const failures = yield* Stream.runCollect(Stream.take(forwarder.failures, 1)).pipe(
          Effect.timeoutOption("200 millis")
        )
        expect(failures._tag).toBe("None")
      })
  )

  it.effect("the pod must be running; the ports in range", () =>
    Effect.gen(function* () {
      const kubelet = yield* scriptedKubelet
      const finished: core.Pod = { ...running, status: { phase: "Succeeded" } }
      const layer = Layer.merge(
        InMemoryCluster.layer({ objects: [finished] }),
        Layer.succeed(KubeWebSocket.KubeWebSocket, kubelet.service)
      )
      const done = yield* Effect.flip(
        NodePortForward.forward("web", { ports: [8080] }).pipe(Effect.provide(layer))
      )
      expect(done).toMatchObject({ _tag: "PortForwardError", reason: "NotRunning" })
      expect(done.message).toContain("Succeeded")
      const range = yield* Effect.flip(
        NodePortForward.forward("web", { ports: [{ remote: 0 }] }).pipe(Effect.provide(layer))
      )
      expect(range._tag).toBe("InvalidRequest")
    }).pipe(Effect.scoped)
  )
})
