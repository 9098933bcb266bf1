import { HttpClient, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Sink, Stream } from "effect"
import { KubeConfig, KubeWebSocket, PodExec } from "../../src/index.js"
import { resolvedConfig } from "../harness/Fixtures.js"

const enc = (s: string) => new TextEncoder().encode(s)
const msg = (channel: number, data: string | Uint8Array) => {
  const bytes = typeof data === "string" ? enc(data) : data
  const out = new Uint8Array(bytes.length + 1)
  out[0] = channel
  out.set(bytes, 1)
  return out
}

/** A KubeWebSocket that answers every connection with the given messages, recording what is sent. */
const scripted = (protocol: string, messages: ReadonlyArray<Uint8Array>) => {
  const sent: Array<Uint8Array> = []
  const queries: Array<ReadonlyArray<readonly [string, string]>> = []
  const layer = Layer.succeed(KubeWebSocket.KubeWebSocket, {
    connect: (_path, query) =>
      Effect.sync(() => {
        queries.push(query)
        return {
          protocol,
          messages: Stream.fromIterable(messages),
          send: (data: Uint8Array) => Effect.sync(() => void sent.push(data))
        }
      })
  })
  const config = KubeConfig.layer(resolvedConfig())
  const http = Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, new Response("{}"))))
  )
  return { sent, queries, layer: Layer.mergeAll(layer, config, http) }
}

const exitStatus = (code: number) =>
  JSON.stringify({
    status: "Failure",
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] }
  })

describe("PodExec stream protocol", () => {
  it.effect(
    "output split across many frames is joined; stderr interleaved; a status split in two frames",
    () =>
      Effect.gen(function* () {
        const status = exitStatus(42)
        const ws = scripted("v4.channel.k8s.io", [
          msg(1, "hel"),
          msg(2, "warn"),
          msg(1, "lo "),
          msg(1, enc("wörld").subarray(0, 2)), // a UTF-8 character split across frames
          msg(1, enc("wörld").subarray(2)),
          msg(3, status.slice(0, 20)),
          msg(3, status.slice(20))
        ])
        const result = yield* PodExec.exec("p", { command: ["x"] }).pipe(Effect.provide(ws.layer))
        expect(result).toEqual({
          exitCode: 42,
          stdout: "hello wörld",
          stderr: "warn",
          protocol: "v4.channel.k8s.io"
        })
        expect(ws.queries[0]).toEqual([
          ["command", "x"],
          ["stdout", "true"],
          ["stderr", "true"]
        ])
      })
  )

  it.effect("stdin is framed on channel 0 in 32 KiB pieces; v5 sends the close signal, v4 does not", () =>
    Effect.gen(function* () {
      const big = new Uint8Array(70 * 1024).fill(7)
      const v5 = scripted("v5.channel.k8s.io", [msg(3, '{"status":"Success"}')])
      yield* PodExec.exec("p", { command: ["cat"], stdin: big }).pipe(Effect.provide(v5.layer))
      expect(v5.sent.map((f) => [f[0], f.length])).toEqual([
        [0, 32 * 1024 + 1],
        [0, 32 * 1024 + 1],
        [0, 6 * 1024 + 1],
        [255, 2]
      ])
      expect([...(v5.sent[3] ?? [])]).toEqual([255, 0])
      const v4 = scripted("v4.channel.k8s.io", [msg(3, '{"status":"Success"}')])
      yield* PodExec.exec("p", { command: ["cat"], stdin: "x" }).pipe(Effect.provide(v4.layer))
      expect(v4.sent.map((f) => f[0])).toEqual([0])
    })
  )

  it.effect("no status frame means success; a failure without an exit code is ExecError -1", () =>
    Effect.gen(function* () {
      const none = scripted("v5.channel.k8s.io", [msg(1, "ok")])
      expect((yield* PodExec.exec("p", { command: ["x"] }).pipe(Effect.provide(none.layer))).exitCode).toBe(0)
      const failed = scripted("v5.channel.k8s.io", [
        msg(3, '{"status":"Failure","message":"exec: not found","reason":"InternalError"}')
      ])
      const error = yield* Effect.flip(
        PodExec.exec("p", { command: ["x"] }).pipe(Effect.provide(failed.layer))
      )
      expect(error).toMatchObject({ _tag: "ExecError", exitCode: -1, message: "exec: not found" })
    })
  )

  it.effect("stdout and stderr sent to sinks as they arrive", () =>
    Effect.gen(function* () {
      const ws = scripted("v5.channel.k8s.io", [msg(1, "a"), msg(2, "x"), msg(1, "b")])
      const seen: Array<string> = []
      const sink = (label: string) =>
        Sink.forEach((chunk: Uint8Array) =>
          Effect.sync(() => seen.push(`${label}:${new TextDecoder().decode(chunk)}`))
        )
      const result = yield* PodExec.exec("p", {
        command: ["x"],
        stdoutSink: sink("out"),
        stderrSink: sink("err")
      }).pipe(Effect.provide(ws.layer))
      expect(result).toMatchObject({ exitCode: 0, stdout: "", stderr: "" })
      expect(seen.filter((s) => s.startsWith("out"))).toEqual(["out:a", "out:b"])
      expect(seen).toContain("err:x")
    })
  )

  it.effect("tty: no stderr asked; bytes kept with decode off", () =>
    Effect.gen(function* () {
      const ws = scripted("v5.channel.k8s.io", [msg(1, new Uint8Array([0, 255, 1]))])
      const result = yield* PodExec.exec("p", { command: ["x"], tty: true, decode: false }).pipe(
        Effect.provide(ws.layer)
      )
      expect([...result.stdout]).toEqual([0, 255, 1])
      expect(ws.queries[0]).toEqual([
        ["command", "x"],
        ["stdout", "true"],
        ["tty", "true"]
      ])
    })
  )
})
