import { execFile } from "node:child_process"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { afterAll, beforeAll, inject } from "vitest"
import { Client, KubeConfig, PodExec } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { NodeKube } from "../../src/node/index.js"
import * as Kubelet from "../harness/FakeKubelet.js"
import { podOn } from "../harness/Fixtures.js"
import { unique } from "../harness/Namespace.js"

const env = inject("envtest")
const ns = unique("exec")
const admin = NodeKube.layer({
  config: KubeConfig.fromFile(env.kubeconfigs["admin-cert"], { namespace: ns })
})
let kubelet: Kubelet.FakeKubelet

const pod = (name: string, containers: ReadonlyArray<string>) => podOn(kubelet.nodeName, name, containers)

beforeAll(async () => {
  kubelet = await Kubelet.start(env, unique("exec-node"))
  kubelet.refuse.add(`${ns}/gone`)
  kubelet.silent.add(`${ns}/mute`)
  await Effect.runPromise(
    Effect.gen(function* () {
      yield* Client.create(core.Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })
      yield* Kubelet.registerNode(kubelet)
      yield* Client.create(core.Pod, pod("box", ["main"]))
      yield* Client.create(core.Pod, pod("two", ["a", "b"]))
      yield* Client.create(core.Pod, pod("gone", ["main"]))
      yield* Client.create(core.Pod, pod("mute", ["main"]))
      yield* Client.create(core.Pod, {
        ...pod("nowhere", ["main"]),
        spec: { containers: [{ name: "main", image: "x" }] }
      })
    }).pipe(Effect.provide(admin))
  )
}, 60_000)
afterAll(async () => {
  await kubelet?.close()
})

const run = <A, E>(effect: Effect.Effect<A, E, PodExec.Requirements>) => Effect.provide(effect, admin)

describe("exec through the real apiserver and a fake kubelet", () => {
  it.live("stdout, stderr and exit 0 over v5", () =>
    run(
      Effect.gen(function* () {
        const result = yield* PodExec.exec("box", { command: ["print", "hello", "world"] })
        expect(result).toMatchObject({
          exitCode: 0,
          stdout: "hello world\n",
          stderr: "",
          protocol: "v5.channel.k8s.io"
        })
        const last = kubelet.execs[kubelet.execs.length - 1]
        expect(last?.url.pathname).toBe(`/exec/${ns}/box/main`)
        expect(last?.url.searchParams.getAll("command")).toEqual(["print", "hello", "world"])
        expect(last?.url.searchParams.get("output")).toBe("1")
        const mixed = yield* PodExec.exec("box", { command: ["mixed"] })
        expect(mixed).toMatchObject({ exitCode: 3, stdout: "out\n", stderr: "err\n" })
      })
    )
  )

  it.live("stdin from a string, bytes and a stream; closed with v5's signal", () =>
    run(
      Effect.gen(function* () {
        const fromString = yield* PodExec.exec("box", {
          command: ["cat"],
          stdin: "héllo\n",
          timeout: "10 seconds"
        })
        expect(fromString.stdout).toBe("héllo\n")
        expect(kubelet.execs[kubelet.execs.length - 1]?.stdinClosed).toBe(true)
        const fromStream = yield* PodExec.exec("box", {
          command: ["cat"],
          stdin: Stream.make("a", "b", "c").pipe(Stream.map((s) => new TextEncoder().encode(s))),
          timeout: "10 seconds"
        })
        expect(fromStream.stdout).toBe("abc")
        const bytes = yield* PodExec.exec("box", {
          command: ["cat"],
          stdin: new Uint8Array([1, 2, 3]),
          decode: false
        })
        expect([...bytes.stdout]).toEqual([1, 2, 3])
      })
    )
  )

  it.live("exit 7 with and without raiseOnError", () =>
    run(
      Effect.gen(function* () {
        expect((yield* PodExec.exec("box", { command: ["exit", "7"] })).exitCode).toBe(7)
        const seven = yield* Effect.flip(PodExec.exec("box", { command: ["exit", "7"], raiseOnError: true }))
        expect(seven).toMatchObject({ _tag: "ExecError", exitCode: 7 })
        const error = yield* Effect.flip(PodExec.exec("box", { command: ["mixed"], raiseOnError: true }))
        expect(error).toMatchObject({ _tag: "ExecError", exitCode: 3, stderr: "err\n" })
      })
    )
  )

  it.live("a 5 MB stdout arrives whole", () =>
    run(
      Effect.gen(function* () {
        const big = yield* PodExec.exec("box", { command: ["big", String(5 * 1024 * 1024)], decode: false })
        expect(big.stdout.length).toBe(5 * 1024 * 1024)
        expect(big.stdout.every((b) => b === 120)).toBe(true)
      })
    )
  )

  it.live("timeout interrupts and closes the socket", () =>
    run(
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          PodExec.exec("box", { command: ["sleep", "30000"], timeout: "500 millis" })
        )
        expect(error).toMatchObject({ _tag: "ExecTimeout" })
        const session = kubelet.execs[kubelet.execs.length - 1]
        yield* Effect.promise(async () => {
          for (let i = 0; i < 100 && session?.closed !== true; i++)
            await new Promise((r) => setTimeout(r, 20))
        })
        expect(session?.closed).toBe(true)
      })
    )
  )

  it.live("a server that speaks only v4", () =>
    run(
      Effect.gen(function* () {
        kubelet.protocols = ["v4.channel.k8s.io"]
        const result = yield* PodExec.exec("box", { command: ["print", "old"] }).pipe(
          Effect.ensuring(Effect.sync(() => (kubelet.protocols = ["v5.channel.k8s.io", "v4.channel.k8s.io"])))
        )
        expect(result).toMatchObject({ exitCode: 0, stdout: "old\n", protocol: "v4.channel.k8s.io" })
      })
    )
  )

  it.live("interactive session: write, read, resize the TTY, close stdin, exit code", () =>
    run(
      Effect.scoped(
        Effect.gen(function* () {
          const s = yield* PodExec.session("box", ["cat"], { stdin: true, tty: true })
          expect(s.protocol).toBe("v5.channel.k8s.io")
          yield* s.resize({ width: 120, height: 40 })
          const reader = yield* Effect.fork(Stream.runCollect(s.stdout))
          yield* s.write("line one\n")
          yield* s.write(new TextEncoder().encode("line two\n"))
          yield* s.closeStdin
          const out = yield* Fiber.join(reader)
          expect(new TextDecoder().decode(Buffer.concat([...out]))).toBe("line one\nline two\n")
          expect(yield* s.exitCode).toBe(0)
          const session = kubelet.execs[kubelet.execs.length - 1]
          expect(session?.resizes).toEqual(['{"Width":120,"Height":40}'])
          expect(session?.url.searchParams.get("tty")).toBe("1")
        })
      )
    )
  )

  it.live("attach to the container's process", () =>
    run(
      Effect.scoped(
        Effect.gen(function* () {
          const s = yield* PodExec.attach("box", { stdin: true })
          const reader = yield* Effect.fork(Stream.runCollect(s.stdout))
          yield* s.write("to the main process\n")
          yield* s.closeStdin
          expect(new TextDecoder().decode(Buffer.concat([...(yield* Fiber.join(reader))]))).toBe(
            "to the main process\n"
          )
          expect(kubelet.execs[kubelet.execs.length - 1]?.url.pathname).toBe(`/attach/${ns}/box/main`)
        })
      )
    )
  )

  it.live("container errors are ApiErrors with the server's Status", () =>
    run(
      Effect.gen(function* () {
        const ambiguous = yield* Effect.flip(PodExec.exec("two", { command: ["print", "x"] }))
        expect(ambiguous).toMatchObject({ _tag: "ApiError", code: 400 })
        expect(ambiguous.message).toContain("container name must be specified")
        const unknown = yield* Effect.flip(PodExec.exec("two", { command: ["print", "x"], container: "zz" }))
        expect(unknown).toMatchObject({ _tag: "ApiError", code: 400 })
        const unscheduled = yield* Effect.flip(PodExec.exec("nowhere", { command: ["print", "x"] }))
        expect(unscheduled).toMatchObject({ _tag: "ApiError", code: 400 })
        const missing = yield* Effect.flip(PodExec.exec("ghost", { command: ["print", "x"] }))
        expect(missing).toMatchObject({ _tag: "ApiError", reason: "NotFound" })
        // The command could not start: a failure without an exit code.
        const notFound = yield* Effect.flip(PodExec.exec("box", { command: ["no-such-command"] }))
        expect(notFound).toMatchObject({ _tag: "ExecError", exitCode: -1 })
      })
    )
  )
})

describe("exec upgrades the kubelet refuses or never answers, through the real apiserver", () => {
  it.live("a refused upgrade is the kubelet's own answer: 404 pod does not exist", () =>
    run(
      Effect.gen(function* () {
        const refused = yield* Effect.flip(PodExec.exec("gone", { command: ["print", "x"] }))
        expect(refused).toMatchObject({ _tag: "ApiError", code: 404 })
        expect(refused.message).toContain("pod does not exist")
      })
    )
  )

  it.live("an upgrade never answered ends at the client's timeout with a WebSocketError Timeout", () =>
    Effect.gen(function* () {
      const quick = NodeKube.layer({
        config: KubeConfig.fromFile(env.kubeconfigs["admin-cert"], { namespace: ns }),
        timeout: "1 second"
      })
      const silent = yield* Effect.flip(
        PodExec.exec("mute", { command: ["print", "x"] }).pipe(Effect.provide(quick))
      )
      expect(silent).toMatchObject({ _tag: "WebSocketError", reason: "Timeout" })
      // And the exec timeout, when shorter, bounds it too.
      const bounded = yield* Effect.flip(
        PodExec.exec("mute", { command: ["print", "x"], timeout: "300 millis" }).pipe(Effect.provide(admin))
      )
      expect(bounded).toMatchObject({ _tag: "ExecTimeout" })
    })
  )
})

describe("examples/exec.ts and examples/logs.ts against the fake kubelet", () => {
  const ROOT = path.resolve(__dirname, "../..")
  // Asynchronous: the fake kubelet answering the example lives in this process.
  const runExample = (file: string, args: ReadonlyArray<string>, extra: Record<string, string>) =>
    new Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          ["--import", "tsx", path.join(ROOT, file), ...args],
          {
            cwd: ROOT,
            timeout: 60_000,
            env: { ...process.env, KUBECONFIG: env.kubeconfigs["admin-cert"], NAMESPACE: ns, ...extra }
          },
          (error, stdout, stderr) =>
            resolve({
              code: error === null ? 0 : typeof error.code === "number" ? error.code : 1,
              stdout,
              stderr
            })
        )
      }
    )

  it("exec", async () => {
    const result = await runExample("examples/exec.ts", ["print", "from", "the", "example"], { POD: "box" })
    expect(result.stderr).toBe("")
    expect(result.stdout).toContain("stdout: from the example")
    expect(result.stdout).toContain("exit code: 0 (v5.channel.k8s.io)")
    const withStdin = await runExample("examples/exec.ts", [], { POD: "box" })
    expect(withStdin.stdout).toContain("stdout: hello from effect-kube")
  }, 60_000)

  it("logs", async () => {
    kubelet.logs.set(`${ns}/box/main`, { lines: [{ time: new Date(), text: "an old line" }], trickleMs: 100 })
    const result = await runExample("examples/logs.ts", [], { POD: "box", FOLLOW_SECONDS: "1" })
    expect(result.stderr).toBe("")
    expect(result.stdout).toContain("an old line")
    expect(result.stdout).toContain("tick 1")
  }, 60_000)
})
