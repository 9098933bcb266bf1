/**
 * Forward a local port to a pod's port (kubectl port-forward), then send a line through it and
 * print what comes back. With HOLD=1 it keeps forwarding until interrupted (Ctrl-C closes the
 * listener and every connection).
 *
 *   POD=web-0 PORT=8080 [LOCAL=0] [NAMESPACE=apps] [HOLD=1] npx tsx examples/portforward.ts
 */
import * as net from "node:net"
import { Console, Effect } from "effect"
import { NodePortForward } from "../src/node/index.js"
import { run } from "./Live.js"

const pod = process.env.POD ?? "web-0"
const remote = Number(process.env.PORT ?? 8080)
const local = Number(process.env.LOCAL ?? 0)

/** One line to 127.0.0.1:port; what comes back until the other side closes or 2 seconds pass. */
const exchange = (port: number, line: string) =>
  Effect.async<string, Error>((resume) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(line))
    let answer = ""
    const timer = setTimeout(() => socket.destroy(), 2000)
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString()
    })
    socket.on("close", () => {
      clearTimeout(timer)
      resume(Effect.succeed(answer))
    })
    socket.on("error", (error) => resume(Effect.fail(error)))
    return Effect.sync(() => socket.destroy())
  })

const program = Effect.scoped(
  Effect.gen(function* () {
    const forwarder = yield* NodePortForward.forward(pod, {
      namespace: process.env.NAMESPACE,
      ports: [{ remote, local }]
    })
    const port = forwarder.ports[0]?.local ?? 0
    yield* Console.log(`Forwarding 127.0.0.1:${port} -> pod ${pod} port ${remote}`)
    if (process.env.HOLD === "1") return yield* Effect.never
    const answer = yield* exchange(port, "hello through port-forward\n")
    yield* Console.log(`answer: ${answer.trimEnd()}`)
  })
)

run(program, { containers: true })
