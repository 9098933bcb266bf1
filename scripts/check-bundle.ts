/**
 * The bundle budget: a program that only gets a ConfigMap (bench/bundle/get-configmap.ts), bundled
 * and minified with esbuild from the sources, without `effect` and `@effect/*` (the application's own
 * copies), must stay under the budget. It catches a module graph that drags every model (or the
 * in-memory cluster) into every program. Part of `npm run lint`; prints the largest modules.
 *
 * Also: the root entry (`effect-kube`) and the testing entry (`effect-kube/testing`) bundle for a
 * neutral platform (no Node built-in module, no undici): Node-only code lives behind `effect-kube/node`.
 */
import * as path from "node:path"
import * as esbuild from "esbuild"

const BUDGET = 120 * 1024
const root = path.resolve(import.meta.dirname, "..")
const result = await esbuild.build({
  entryPoints: [path.join(root, "bench/bundle/get-configmap.ts")],
  bundle: true,
  minify: true,
  write: false,
  metafile: true,
  platform: "node",
  format: "esm",
  external: ["effect", "@effect/*"],
  // The package by its name, from the sources (as the built package resolves it).
  alias: {
    "effect-kube/models": path.join(root, "src/models"),
    "effect-kube/node": path.join(root, "src/node/index.ts"),
    "effect-kube": path.join(root, "src/index.ts")
  },
  logLevel: "error"
})
const output = Object.values(result.metafile.outputs)[0]
if (output === undefined) throw new Error("esbuild wrote no output")
const size = output.bytes
const byModule = Object.entries(output.inputs)
  .map(([file, { bytesInOutput }]) => [file.replace(/^.*node_modules\//, ""), bytesInOutput] as const)
  .sort((a, b) => b[1] - a[1])
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
console.log(`bundle: get-configmap ${kb(size)} (budget ${kb(BUDGET)}); largest modules:`)
for (const [file, bytes] of byModule.slice(0, 8)) console.log(`  ${kb(bytes).padStart(9)}  ${file}`)
if (size > BUDGET) {
  console.error(`bundle: over budget by ${kb(size - BUDGET)}`)
  process.exit(1)
}

// The platform-neutral entries: bundling them for the "neutral" platform fails on any Node built-in.
for (const entry of ["src/index.ts", "src/testing/index.ts"]) {
  const neutral = await esbuild
    .build({
      entryPoints: [path.join(root, entry)],
      bundle: true,
      write: false,
      metafile: true,
      platform: "neutral",
      format: "esm",
      external: ["effect", "@effect/*", "yaml"],
      logLevel: "silent"
    })
    .then(
      (r) =>
        Object.values(r.metafile.outputs).flatMap((o) =>
          o.imports.filter((i) => i.external).map((i) => i.path)
        ),
      (error: unknown) => error
    )
  if (!Array.isArray(neutral)) {
    console.error(
      `bundle: ${entry} does not bundle for a neutral platform (Node-only code?): ${String(neutral)}`
    )
    process.exit(1)
  }
  const nodeOnly = neutral.filter((i) => i.startsWith("node:") || i === "undici")
  if (nodeOnly.length > 0) {
    console.error(`bundle: ${entry} imports Node-only modules: ${[...new Set(nodeOnly)].join(", ")}`)
    process.exit(1)
  }
  console.log(
    `bundle: ${entry} is platform-neutral (imports only ${[...new Set(neutral)].sort().join(", ")})`
  )
}
