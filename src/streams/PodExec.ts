/**
 * Running a command in a pod's container (lightkube's `exec`) over the Kubernetes WebSocket
 * stream protocol: `v5.channel.k8s.io` (with its stdin close signal) or `v4.channel.k8s.io`,
 * whichever the server picks. Captures stdout and stderr, feeds stdin from a string, bytes or a
 * stream, reads the exit code from the status channel.
 *
 * @since 0.1.0
 */
import {
  Data,
  Deferred,
  Duration,
  Effect,
  Exit,
  Option,
  Queue,
  Schema,
  type Scope,
  type Sink,
  Stream
} from "effect"
import * as ApiRequest from "../client/ApiRequest.js"
import type * as Client from "../client/Client.js"
import { annotateTarget, kindAttributes, operation } from "../client/internal/operation.js"
import type * as ApiError from "../http/ApiError.js"
import type { KubeWebSocket, WebSocketError } from "../http/KubeWebSocket.js"
import { concatBytes } from "../internal/bytes.js"
import * as Meta from "../models/meta/v1.js"
import { podModel } from "./internal/pod.js"
import { openUpgrade } from "./internal/upgrade.js"

/** The stream protocols this client speaks, in order of preference. */
const PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"] as const

/** Channel numbers of the stream protocol. */
const STDIN = 0
const STDOUT = 1
const STDERR = 2
const STATUS = 3
const RESIZE = 4
const CLOSE = 255

/**
 * The command exited with a non-zero code (with `raiseOnError`).
 *
 * @example
 * ```ts
 * import { PodExec } from "effect-kube"
 *
 * const error = new PodExec.ExecError({ exitCode: 7, stderr: "boom", message: "command terminated with exit code 7" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ExecError extends Data.TaggedError("ExecError")<{
  readonly exitCode: number
  readonly stderr: string
  readonly message: string
}> {}

/**
 * The command did not finish within `timeout` (its connection is closed).
 *
 * @example
 * ```ts
 * import { PodExec } from "effect-kube"
 *
 * const error = new PodExec.ExecTimeout({ timeout: "5 seconds" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ExecTimeout extends Data.TaggedError("ExecTimeout")<{
  readonly timeout: Duration.DurationInput
}> {
  override get message(): string {
    return `exec did not finish within ${Duration.format(Duration.decode(this.timeout))}`
  }
}

/**
 * Options of {@link exec}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExecOptions<D extends boolean = true> {
  readonly namespace?: string | undefined
  /** Required when the pod has several containers. */
  readonly container?: string | undefined
  /** The command and its arguments (run without a shell, as the container runtime does). */
  readonly command: ReadonlyArray<string>
  /** Fed to the command's stdin (then closed, on `v5.channel.k8s.io`). */
  readonly stdin?: string | Uint8Array | Stream.Stream<Uint8Array> | undefined
  /** Capture stdout. Default: true. */
  readonly stdout?: boolean | undefined
  /** Capture stderr. Default: true (false with a TTY, which merges it into stdout). */
  readonly stderr?: boolean | undefined
  readonly tty?: boolean | undefined
  /** Captured output as strings (default) or as bytes (`false`). */
  readonly decode?: D | undefined
  /** A non-zero exit code fails with `ExecError` (with the captured stderr). Default: false. */
  readonly raiseOnError?: boolean | undefined
  /** Send stdout to this sink as it arrives instead of capturing it (the result's stdout is then empty). */
  readonly stdoutSink?: Sink.Sink<unknown, Uint8Array> | undefined
  /** Send stderr to this sink as it arrives instead of capturing it. */
  readonly stderrSink?: Sink.Sink<unknown, Uint8Array> | undefined
  /** Interrupt and close after this long (`ExecTimeout`). Default: none. */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * What a command left: its exit code and its output.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExecResult<O> {
  readonly exitCode: number
  readonly stdout: O
  readonly stderr: O
  /** The subprotocol the server chose. */
  readonly protocol: string
}

/**
 * What exec needs: the KubeConfig, an HttpClient (for error answers) and the WebSocket service.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements = Client.Requirements | KubeWebSocket

/**
 * Failures of exec.
 *
 * @since 0.1.0
 * @category errors
 */
export type ExecFailure = ApiError.ApiError | WebSocketError | ExecError | ExecTimeout | Client.ClientError

/**
 * The status channel's message: a `Status` without its `apiVersion` and `kind` (the kubelet leaves
 * them out), read with the generated Schema.
 */
const StatusMessage = Schema.parseJson(
  Meta.StatusSchema.pipe(Schema.pick("status", "message", "reason", "details"))
)

const frame = (channel: number, data: Uint8Array): Uint8Array => {
  const out = new Uint8Array(data.length + 1)
  out[0] = channel
  out.set(data, 1)
  return out
}

const MAX_FRAME = 32 * 1024

const stdinStream = (stdin: string | Uint8Array | Stream.Stream<Uint8Array>): Stream.Stream<Uint8Array> =>
  typeof stdin === "string"
    ? Stream.succeed(new TextEncoder().encode(stdin))
    : stdin instanceof Uint8Array
      ? Stream.succeed(stdin)
      : stdin

/**
 * Options of {@link session} and {@link attach}.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionOptions {
  readonly namespace?: string | undefined
  readonly container?: string | undefined
  /** Open stdin (write with `session.write`). Default: false. */
  readonly stdin?: boolean | undefined
  /** Default: true. */
  readonly stdout?: boolean | undefined
  /** Default: true (false with a TTY). */
  readonly stderr?: boolean | undefined
  readonly tty?: boolean | undefined
}

/**
 * A live exec or attach session: stdin to write to, stdout and stderr to read, the terminal to
 * resize, and the exit code once the command ends. Closed with its scope.
 *
 * @since 0.1.0
 * @category models
 */
export interface Session {
  /** The subprotocol the server chose. */
  readonly protocol: string
  readonly stdout: Stream.Stream<Uint8Array, WebSocketError>
  readonly stderr: Stream.Stream<Uint8Array, WebSocketError>
  /** Writes to the command's stdin. */
  readonly write: (data: Uint8Array | string) => Effect.Effect<void, WebSocketError>
  /** Closes stdin (the command sees end of input); a no-op on `v4.channel.k8s.io`, which cannot. */
  readonly closeStdin: Effect.Effect<void, WebSocketError>
  /** Resizes the TTY (channel 4). */
  readonly resize: (size: {
    readonly width: number
    readonly height: number
  }) => Effect.Effect<void, WebSocketError>
  /** The exit code, once the server closes the session. */
  readonly exitCode: Effect.Effect<number, ExecError | WebSocketError>
}

type Out = { readonly _tag: "data"; readonly data: Uint8Array } | { readonly _tag: "end" }

const open = (
  name: string,
  subresource: "exec" | "attach",
  command: ReadonlyArray<string>,
  options: SessionOptions
): Effect.Effect<Session, ExecFailure, Requirements | Scope.Scope> =>
  Effect.gen(function* () {
    const Pod = yield* podModel
    const tty = options.tty === true
    const wantStdout = options.stdout !== false
    const wantStderr = options.stderr !== false && !tty
    const query: Array<readonly [string, string]> = command.map((c) => ["command", c] as const)
    // An empty container is no container (the pod's only one), as client-go's omitempty.
    if (options.container !== undefined && options.container !== "")
      query.push(["container", options.container])
    if (options.stdin === true) query.push(["stdin", "true"])
    if (wantStdout) query.push(["stdout", "true"])
    if (wantStderr) query.push(["stderr", "true"])
    if (tty) query.push(["tty", "true"])
    const target = yield* ApiRequest.target({
      resource: Pod,
      method: "GET",
      namespace: options.namespace,
      name,
      subresource,
      query
    })
    const connection = yield* annotateTarget(target.namespace, name).pipe(
      Effect.zipRight(openUpgrade(target, PROTOCOLS)),
      operation(`PodExec.${subresource}`, "create", {
        ...kindAttributes(Pod),
        "k8s.subresource": subresource
      })
    )
    const stdout = yield* Queue.unbounded<Out>()
    const stderr = yield* Queue.unbounded<Out>()
    const status = yield* Deferred.make<string, WebSocketError>()
    let statusText = ""
    yield* Stream.runForEach(connection.messages, (message) => {
      const data = message.subarray(1)
      switch (message[0]) {
        case STDOUT:
          return Queue.offer(stdout, { _tag: "data", data })
        case STDERR:
          return Queue.offer(stderr, { _tag: "data", data })
        case STATUS:
          return Effect.sync(() => {
            statusText += new TextDecoder().decode(data)
          })
        default:
          return Effect.void
      }
    }).pipe(
      Effect.exit,
      Effect.flatMap((exit) =>
        Effect.all([
          Queue.offer(stdout, { _tag: "end" }),
          Queue.offer(stderr, { _tag: "end" }),
          Exit.isSuccess(exit) ? Deferred.succeed(status, statusText) : Deferred.failCause(status, exit.cause)
        ])
      ),
      Effect.forkScoped
    )
    const drain = (queue: Queue.Queue<Out>) =>
      Stream.fromQueue(queue).pipe(
        Stream.takeWhile((o) => o._tag === "data"),
        Stream.filterMap((o) => (o._tag === "data" ? Option.some(o.data) : Option.none()))
      )
    const v5 = connection.protocol === "v5.channel.k8s.io"
    const write = (data: Uint8Array | string) => {
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data
      return Effect.forEach(
        Array.from({ length: Math.ceil(bytes.length / MAX_FRAME) }, (_, i) =>
          bytes.subarray(i * MAX_FRAME, (i + 1) * MAX_FRAME)
        ),
        (part) => connection.send(frame(STDIN, part)),
        { discard: true }
      )
    }
    return {
      protocol: connection.protocol,
      stdout: drain(stdout),
      stderr: drain(stderr),
      write,
      closeStdin: v5 ? connection.send(new Uint8Array([CLOSE, STDIN])) : Effect.void,
      resize: (size) =>
        connection.send(
          frame(RESIZE, new TextEncoder().encode(JSON.stringify({ Width: size.width, Height: size.height })))
        ),
      exitCode: Effect.flatMap(Deferred.await(status), exitCodeOf)
    }
  })

/**
 * An interactive exec: a scoped session with stdin to write to, stdout and stderr streams, TTY
 * resize, and the exit code.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { PodExec } from "effect-kube"
 *
 * const shell = Effect.scoped(
 *   Effect.gen(function* () {
 *     const s = yield* PodExec.session("web-0", ["sh"], { stdin: true, tty: true })
 *     yield* s.resize({ width: 120, height: 40 })
 *     yield* s.write("echo hi; exit\n")
 *     const output = yield* Stream.runCollect(s.stdout)
 *     return yield* s.exitCode
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category exec
 */
export const session = (
  name: string,
  command: ReadonlyArray<string>,
  options: SessionOptions = {}
): Effect.Effect<Session, ExecFailure, Requirements | Scope.Scope> => open(name, "exec", command, options)

/**
 * Attaches to the main process of a running container (`kubectl attach`): the same session as
 * {@link session}, on the container's own stdin/stdout/stderr.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { PodExec } from "effect-kube"
 *
 * const watched = Effect.scoped(
 *   Effect.flatMap(PodExec.attach("web-0", { stdout: true }), (s) => Stream.runCollect(s.stdout))
 * )
 * ```
 *
 * @since 0.1.0
 * @category exec
 */
export const attach = (
  name: string,
  options: SessionOptions = {}
): Effect.Effect<Session, ExecFailure, Requirements | Scope.Scope> => open(name, "attach", [], options)

const collect = (stream: Stream.Stream<Uint8Array, WebSocketError>) =>
  Effect.map(Stream.runCollect(stream), concatBytes)

/**
 * Runs a command in a pod and returns its exit code and output.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { PodExec } from "effect-kube"
 *
 * const result = PodExec.exec("web-0", { namespace: "apps", command: ["cat"], stdin: "hello", timeout: "30 seconds" })
 * const checked = PodExec.exec("web-0", { command: ["false"], raiseOnError: true }).pipe(
 *   Effect.catchTag("ExecError", (e) => Effect.succeed(e.exitCode))
 * )
 * ```
 *
 * @since 0.1.0
 * @category exec
 */
export function exec(
  name: string,
  options: ExecOptions<true>
): Effect.Effect<ExecResult<string>, ExecFailure, Requirements>
export function exec(
  name: string,
  options: ExecOptions<false>
): Effect.Effect<ExecResult<Uint8Array>, ExecFailure, Requirements>
export function exec(
  name: string,
  options: ExecOptions<boolean>
): Effect.Effect<ExecResult<string> | ExecResult<Uint8Array>, ExecFailure, Requirements> {
  const run = Effect.scoped(
    Effect.gen(function* () {
      const s = yield* open(name, "exec", options.command, { ...options, stdin: options.stdin !== undefined })
      if (options.stdin !== undefined) {
        yield* stdinStream(options.stdin).pipe(
          Stream.runForEach(s.write),
          Effect.zipRight(s.closeStdin),
          Effect.forkScoped
        )
      }
      const consume = (
        stream: Stream.Stream<Uint8Array, WebSocketError>,
        sink: Sink.Sink<unknown, Uint8Array> | undefined
      ) => (sink === undefined ? collect(stream) : Effect.as(Stream.run(stream, sink), new Uint8Array(0)))
      const [out, err] = yield* Effect.all(
        [consume(s.stdout, options.stdoutSink), consume(s.stderr, options.stderrSink)],
        {
          concurrency: 2
        }
      )
      const exitCode = yield* s.exitCode
      return { out, err, exitCode, protocol: s.protocol }
    })
  )
  return Effect.gen(function* () {
    const timeout = options.timeout
    const raw = yield* timeout === undefined
      ? run
      : Effect.timeoutFail(run, { duration: timeout, onTimeout: () => new ExecTimeout({ timeout }) })
    const stderrText = new TextDecoder().decode(raw.err)
    if (options.raiseOnError === true && raw.exitCode !== 0) {
      return yield* new ExecError({
        exitCode: raw.exitCode,
        stderr: stderrText,
        message: `command terminated with exit code ${raw.exitCode}`
      })
    }
    return options.decode !== false
      ? {
          exitCode: raw.exitCode,
          stdout: new TextDecoder().decode(raw.out),
          stderr: stderrText,
          protocol: raw.protocol
        }
      : { exitCode: raw.exitCode, stdout: raw.out, stderr: raw.err, protocol: raw.protocol }
  })
}

/** The exit code from the status channel: 0 on Success, the ExitCode cause on NonZeroExitCode. */
const exitCodeOf = (status: string): Effect.Effect<number, ExecError> => {
  if (status.trim() === "") return Effect.succeed(0)
  return Schema.decodeUnknown(StatusMessage)(status).pipe(
    Effect.orElseSucceed((): typeof StatusMessage.Type => ({ status: "Failure", message: status })),
    Effect.flatMap((s) => {
      if (s.status === "Success") return Effect.succeed(0)
      const code = Option.fromNullable(s.details?.causes?.find((c) => c.reason === "ExitCode")?.message).pipe(
        Option.map(Number),
        Option.filter(Number.isInteger)
      )
      return Option.match(code, {
        onSome: Effect.succeed,
        // A failure without an exit code (the command could not start): -1, with the message.
        onNone: () =>
          Effect.fail(new ExecError({ exitCode: -1, stderr: "", message: s.message ?? "exec failed" }))
      })
    })
  )
}
