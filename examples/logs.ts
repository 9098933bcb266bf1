/**
 * Tail a pod's logs: the last lines, then follow for a few seconds (or until interrupted).
 *
 *   POD=web-0 [CONTAINER=web] [NAMESPACE=apps] [FOLLOW_SECONDS=5] npx tsx examples/logs.ts
 */
import { Console, Effect, Stream } from "effect"
import { PodLog } from "../src/index.js"
import { run } from "./Live.js"

const pod = process.env.POD ?? "web-0"
const seconds = Number(process.env.FOLLOW_SECONDS ?? "5")

const program = PodLog.log(pod, {
  namespace: process.env.NAMESPACE,
  container: process.env.CONTAINER,
  tailLines: 10,
  follow: seconds > 0,
  resume: true
}).pipe(
  Stream.interruptWhen(Effect.sleep(`${seconds} seconds`)),
  Stream.runForEach((line) => Console.log(line))
)

run(program, { containers: true })
