/**
 * `kubectl port-forward`: local TCP listeners that forward each connection they accept to a port
 * of a pod (one `PodPortForward.connect` per connection), for as long as their scope lasts.
 *
 * @since 0.1.0
 */
import * as net from "node:net"
import { NodeStream } from "@effect/platform-node"
import { Effect, Fiber, FiberSet, PubSub, Ref, type Scope, Stream } from "effect"
import * as Client from "../client/Client.js"
import * as core from "../models/core/v1.js"
import { InvalidRequest } from "../resource/InvalidRequest.js"
import * as PodPortForward from "../streams/PodPortForward.js"

/**
 * A port to forward: the pod's port `remote`, from the local port `local` (`0` or left out: a
 * free port, read from {@link Forwarded}).
 *
 * @since 0.1.0
 * @category models
 */
export interface PortMapping {
  readonly remote: number
  readonly local?: number | undefined
}

/**
 * Options of {@link forward}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ForwardOptions {
  readonly namespace?: string | undefined
  /** The ports: a number forwards the same port number (`8080` is `{ remote: 8080, local: 8080 }`). */
  readonly ports: ReadonlyArray<PortMapping | number>
  /** The local address to listen on. Default: `127.0.0.1`. */
  readonly address?: string | undefined
}

/**
 * A port being forwarded.
 *
 * @since 0.1.0
 * @category models
 */
export interface Forwarded {
  readonly remote: number
  /** The local port listened on (the one chosen when `local` was 0). */
  readonly local: number
  readonly address: string
}

/**
 * The running forwarder.
 *
 * @since 0.1.0
 * @category models
 */
export interface Forwarder {
  readonly ports: ReadonlyArray<Forwarded>
  /**
   * The failures of single connections (the last 16 before subscribing, then each as it comes; each
   * is also logged as a warning); the forwarder keeps accepting connections. Ends with the forwarder.
   */
  readonly failures: Stream.Stream<PodPortForward.PortForwardFailure>
  /** The connections forwarded now. */
  readonly connections: Effect.Effect<number>
}

const mappingOf = (port: PortMapping | number): PortMapping =>
  typeof port === "number" ? { remote: port, local: port } : port

const checkMapping = (mapping: PortMapping): Effect.Effect<PortMapping, InvalidRequest> => {
  const local = mapping.local ?? 0
  const valid = (p: number, min: number) => Number.isInteger(p) && p >= min && p <= 65535
  return valid(mapping.remote, 1) && valid(local, 0)
    ? Effect.succeed(mapping)
    : Effect.fail(
        new InvalidRequest({
          detail: `a port mapping needs a remote port from 1 to 65535 and a local one from 0 to 65535, got ${mapping.remote} from ${mapping.local}`
        })
      )
}

/** A local connection that the other end reset or stopped reading: its own end, not a failure. */
const endedLocally = (cause: unknown) =>
  typeof cause === "object" &&
  cause !== null &&
  "code" in cause &&
  (cause.code === "ECONNRESET" || cause.code === "EPIPE")

/**
 * Forwards local ports to the pod `name` until the scope closes (then every listener and every
 * connection is closed). The pod must exist (an `ApiError` otherwise) and be running (a
 * `PortForwardError` `NotRunning`, as kubectl refuses); a local port that cannot be bound is a
 * `PortForwardError` `Listen`; ports out of range are an `InvalidRequest`, before any request.
 * Each accepted connection opens its own WebSocket (`PodPortForward.connect`): bytes both ways
 * (back-pressure from the pod's side to the local reader is not possible: what the pod sends faster
 * than the local client reads is held in memory). The local client's end of input stops the sending
 * and the pod's answer still comes back; the pod closing its side ends the local connection once
 * what it sent is written (the v4 protocol cannot pass a half-close to the pod: a local client that
 * closes while the pod keeps its side open and silent holds the connection until the pod closes it).
 * A failing connection (nothing listening in the pod, the pod gone) is closed, logged and published
 * on `failures`; the others go on.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { NodeKube, NodePortForward } from "effect-kube/node"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const forwarder = yield* NodePortForward.forward("web-0", { ports: [{ remote: 8080, local: 0 }] })
 *     yield* Effect.log(`listening on 127.0.0.1:${forwarder.ports[0]?.local}`)
 *     yield* Effect.never
 *   })
 * ).pipe(Effect.provide(NodeKube.layer()))
 * ```
 *
 * @since 0.1.0
 * @category port-forward
 */
export const forward = (
  name: string,
  options: ForwardOptions
): Effect.Effect<Forwarder, PodPortForward.PortForwardFailure, PodPortForward.Requirements | Scope.Scope> =>
  Effect.gen(function* () {
    const mappings = yield* Effect.forEach(options.ports.map(mappingOf), checkMapping)
    if (mappings.length === 0) {
      return yield* new InvalidRequest({ detail: "port-forward needs at least one port" })
    }
    const address = options.address ?? "127.0.0.1"
    const pod = yield* Client.get(core.Pod, name, { namespace: options.namespace })
    const phase = pod.status?.phase
    if (phase !== "Running") {
      return yield* new PodPortForward.PortForwardError({
        reason: "NotRunning",
        pod: name,
        port: mappings[0]?.remote ?? 0,
        detail: `the pod is not running (phase ${phase ?? "unknown"}): nothing to forward to`
      })
    }
    // The last failures are kept for a subscriber that comes later.
    const failures = yield* Effect.acquireRelease(
      PubSub.unbounded<PodPortForward.PortForwardFailure>({ replay: 16 }),
      PubSub.shutdown
    )
    const open = yield* Ref.make(0)
    const run = yield* FiberSet.makeRuntime<PodPortForward.Requirements>()
    const serve = (socket: net.Socket, remote: number) =>
      Effect.scoped(
        Effect.gen(function* () {
          yield* Effect.acquireRelease(
            Ref.update(open, (n) => n + 1),
            () => Ref.update(open, (n) => n - 1)
          )
          yield* Effect.addFinalizer(() => Effect.sync(() => socket.destroy()))
          const connection = yield* PodPortForward.connect(name, remote, { namespace: options.namespace })
          const local = (cause: unknown) =>
            new PodPortForward.PortForwardError({
              reason: "Local",
              pod: name,
              port: remote,
              detail: `the local connection failed: ${String(cause)}`,
              cause
            })
          // The local end of input stops the sending only (v4 cannot pass a half-close on): the
          // pod's answer still comes back. A connection the pod closed takes no more bytes: also
          // the end of sending; what the pod sent before is still written out.
          const fromLocal = NodeStream.fromReadable<PodPortForward.PortForwardError>(() => socket, local, {
            closeOnDone: false
          }).pipe(
            Stream.run(connection.sink),
            Effect.catchTag("WebSocketError", () => Effect.void)
          )
          const toLocal = connection.stream.pipe(
            Stream.runForEach((chunk) => write(socket, chunk)),
            Effect.zipRight(end(socket))
          )
          const sending = yield* Effect.fork(fromLocal)
          yield* Effect.raceFirst(toLocal, Effect.zipRight(Fiber.join(sending), Effect.never))
        })
      ).pipe(
        Effect.catchIf(
          (error) =>
            error._tag === "PortForwardError" && error.reason === "Local" && endedLocally(error.cause),
          () => Effect.void
        ),
        Effect.catchAll((error) =>
          Effect.zipRight(
            Effect.logWarning(`port-forward connection to ${name}:${remote} failed: ${error.message}`),
            PubSub.publish(failures, error)
          )
        ),
        Effect.annotateLogs({ pod: name, port: remote })
      )
    const ports = yield* Effect.forEach(mappings, (mapping) =>
      Effect.gen(function* () {
        const accepted = new Set<net.Socket>()
        const server = net.createServer({ allowHalfOpen: true }, (socket) => {
          // A socket error with no listener would end the process: errors are read where used.
          socket.on("error", () => {})
          accepted.add(socket)
          socket.on("close", () => accepted.delete(socket))
          run(serve(socket, mapping.remote))
        })
        yield* Effect.acquireRelease(
          Effect.async<void, PodPortForward.PortForwardError>((resume) => {
            const failed = (cause: Error) =>
              resume(
                Effect.fail(
                  new PodPortForward.PortForwardError({
                    reason: "Listen",
                    pod: name,
                    port: mapping.remote,
                    detail: `cannot listen on ${address}:${mapping.local ?? 0}: ${cause.message}`,
                    cause
                  })
                )
              )
            server.once("error", failed)
            server.listen(mapping.local ?? 0, address, () => {
              server.off("error", failed)
              // Later errors (a failed accept: too many open files) are reported, not thrown.
              server.on("error", (cause) =>
                run(
                  Effect.zipRight(
                    Effect.logWarning(
                      `port-forward listener for ${name}:${mapping.remote} failed: ${cause.message}`
                    ),
                    PubSub.publish(
                      failures,
                      new PodPortForward.PortForwardError({
                        reason: "Listen",
                        pod: name,
                        port: mapping.remote,
                        detail: `the local listener failed: ${cause.message}`,
                        cause
                      })
                    )
                  )
                )
              )
              resume(Effect.void)
            })
          }),
          () =>
            Effect.async<void>((resume) => {
              // close() waits for the open connections: they end first.
              server.close(() => resume(Effect.void))
              for (const socket of accepted) socket.destroy()
            })
        )
        const bound = server.address()
        const local = typeof bound === "object" && bound !== null ? bound.port : (mapping.local ?? 0)
        return { remote: mapping.remote, local, address }
      })
    )
    yield* Effect.logDebug(
      `forwarding ${ports.map((p) => `${p.address}:${p.local} -> ${p.remote}`).join(", ")} to pod ${name}`
    )
    return { ports, failures: Stream.fromPubSub(failures), connections: Ref.get(open) }
  })

/** Waits for one of the socket's `events` (listeners removed on interruption too). */
const once = (socket: net.Socket, events: ReadonlyArray<"drain" | "close">): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const done = () => {
      for (const event of events) socket.off(event, done)
      resume(Effect.void)
    }
    for (const event of events) socket.on(event, done)
    return Effect.sync(() => {
      for (const event of events) socket.off(event, done)
    })
  })

/** Writes to the socket, waiting for it to drain when its buffer is full (or for it to close). */
const write = (socket: net.Socket, chunk: Uint8Array): Effect.Effect<void> =>
  Effect.suspend(() =>
    socket.destroyed || socket.write(chunk) ? Effect.void : once(socket, ["drain", "close"])
  )

/**
 * Ends the socket once what was written is sent (the pod closed its side), then waits for the
 * local client to close its side, reading and dropping what it still sends: a socket closed with
 * unread input is reset, and a reset can lose the last bytes sent to the client.
 */
const end = (socket: net.Socket): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (socket.destroyed) return Effect.void
    const closed = once(socket, ["close"])
    socket.on("data", () => {})
    socket.resume()
    socket.end()
    return closed
  })
