/**
 * Run a command in a pod: its output and exit code; stdin from a string.
 *
 *   POD=web-0 [NAMESPACE=apps] npx tsx examples/exec.ts [command args...]
 */
import { Console, Effect } from "effect"
import { PodExec } from "../src/index.js"
import { run } from "./Live.js"

const pod = process.env.POD ?? "web-0"
const command = process.argv.slice(2)

const program = Effect.gen(function* () {
  const result = yield* PodExec.exec(pod, {
    namespace: process.env.NAMESPACE,
    command: command.length > 0 ? command : ["cat"],
    stdin: command.length > 0 ? undefined : "hello from effect-kube\n",
    timeout: "30 seconds"
  })
  yield* Console.log(`stdout: ${result.stdout.trimEnd()}`)
  if (result.stderr !== "") yield* Console.log(`stderr: ${result.stderr.trimEnd()}`)
  yield* Console.log(`exit code: ${result.exitCode} (${result.protocol})`)
})

run(program, { containers: true })
