/**
 * Checks the import graph of `src/`: imports go one way, down the layers (ARCHITECTURE.md), and no
 * module imports itself through others (no cycle). Static, dynamic and type-only imports all count.
 * Part of `npm run lint`.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import ts from "typescript"

const root = path.resolve(import.meta.dirname, "..")
const src = path.join(root, "src")

/** The layers, bottom up: a module may import its own layer and the layers below it. */
const LAYERS: ReadonlyArray<string> = [
  "internal",
  "resource",
  "models",
  "kinds",
  "config",
  "http",
  "client",
  "streams",
  "runtime",
  // The edges: the package's root entry, the Node transport and the testing tools. None imports another.
  "index.ts|node|testing"
]
/** Imports across layers allowed by name, each with its reason. */
const ALLOWED: ReadonlyArray<readonly [from: string, to: string, reason: string]> = [
  // models/meta/v1 itself imports only resource/Primitives, so this adds no cycle.
  ["resource/Resource.ts", "models/meta/v1.ts", "every kind's metadata is the generated ObjectMeta"]
]
const rank = new Map<string, number>()
LAYERS.forEach((layer, i) => {
  for (const name of layer.split("|")) rank.set(name, i)
})
const layerOf = (file: string): string => path.relative(src, file).split(path.sep)[0] ?? ""

const walk = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? walk(p) : e.name.endsWith(".ts") ? [p] : []
  })

const problems: Array<string> = []
const graph = new Map<string, Array<string>>()
for (const file of walk(src)) {
  const layer = layerOf(file)
  if (!rank.has(layer)) problems.push(`${path.relative(root, file)}: not in a layer (${LAYERS.join(" → ")})`)
  const info = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true)
  const targets: Array<string> = []
  for (const ref of info.importedFiles) {
    if (!ref.fileName.startsWith(".")) continue
    const target = path.resolve(path.dirname(file), ref.fileName).replace(/\.js$/, ".ts")
    targets.push(target)
    if (!fs.existsSync(target))
      problems.push(`${path.relative(root, file)}: imports ${ref.fileName}, not a module`)
    const to = layerOf(target)
    const from = path.relative(root, file)
    const fromRank = rank.get(layer) ?? -1
    const toRank = rank.get(to) ?? Number.POSITIVE_INFINITY
    const edges = rank.get("testing")
    const allowed = ALLOWED.some(([a, b]) => path.join(src, a) === file && path.join(src, b) === target)
    if (allowed) continue
    if (toRank > fromRank)
      problems.push(`${from}: imports ${ref.fileName}, a layer above (${to} over ${layer})`)
    else if (toRank === edges && fromRank === edges && to !== layer)
      problems.push(`${from}: imports ${ref.fileName} (${to}); ${layer} must not depend on it`)
  }
  graph.set(file, targets)
}

// Cycles: depth-first search, reporting each cycle once by its path.
const state = new Map<string, "active" | "done">()
const stack: Array<string> = []
const visit = (file: string): void => {
  state.set(file, "active")
  stack.push(file)
  for (const next of graph.get(file) ?? []) {
    const s = state.get(next)
    if (s === "active") {
      const cycle = [...stack.slice(stack.indexOf(next)), next].map((f) => path.relative(src, f))
      problems.push(`import cycle: ${cycle.join(" → ")}`)
    } else if (s === undefined && graph.has(next)) visit(next)
  }
  stack.pop()
  state.set(file, "done")
}
for (const file of graph.keys()) if (!state.has(file)) visit(file)

if (problems.length > 0) {
  console.error(problems.join("\n"))
  process.exit(1)
}
console.log(`layers: ${graph.size} modules, imports one way (${LAYERS.join(" → ")}), no cycle`)
