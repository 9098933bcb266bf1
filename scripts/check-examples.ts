/**
 * Type-checks every `@example` in the JSDoc of `src/` (the modules docgen documents: not the
 * generated `src/models/`, nor `internal/` folders), with the `examplesCompilerOptions` of
 * `docgen.json` (its `paths` map "effect-kube", "effect-kube/node", "effect-kube/testing" and
 * "effect-kube/models/<group>/<version>" to the sources). Errors point at the line in `src/`.
 * Part of `npm run docs`.
 *
 * Why not docgen's own check: @effect/docgen 0.5 type-checks examples only together with running
 * them all with tsx, and running is not wanted: an example may talk to the cluster of the
 * machine's kubeconfig, or `declare const` a value it does not build. It also leaves out the
 * examples of classes (errors, services). So `npm run docs` runs docgen with
 * DOCGEN_RUN_EXAMPLES=false (docgen 0.5 drops its first two command-line arguments, so
 * `--no-run-examples` is not seen; a `runExamples` key in docgen.json is not read either) and
 * this script checks the examples instead, in memory (nothing is written).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import ts from "typescript"

const root = path.resolve(import.meta.dirname, "..")
const src = path.join(root, "src")
// docgen writes its examples to <outDir>/examples and the `paths` in docgen.json are relative to
// it: the examples checked here live there too, in memory only.
const examplesDir = path.join(root, "docs", "examples")

const walk = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return e.name === "internal" || p === path.join(src, "models") ? [] : walk(p)
    return e.name.endsWith(".ts") ? [p] : []
  })

interface Example {
  /** The virtual file the example is checked as. */
  readonly fileName: string
  readonly source: string
  /** Line (0-based) in `source` of the example's first line. */
  readonly line: number
  readonly text: string
}

/** The JSDoc comments of a file (those before any node: statements, members, properties). */
const jsDocComments = (file: ts.SourceFile): Array<{ readonly pos: number; readonly text: string }> => {
  const comments = new Map<number, string>()
  const visit = (node: ts.Node): void => {
    for (const r of ts.getLeadingCommentRanges(file.text, node.pos) ?? []) {
      const text = file.text.slice(r.pos, r.end)
      if (text.startsWith("/**")) comments.set(r.pos, text)
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  return [...comments].sort(([a], [b]) => a - b).map(([pos, text]) => ({ pos, text }))
}

/**
 * The `@example` blocks of one JSDoc comment: the code between the fences (or the whole block
 * when it has none, as docgen does). A line starting with `@` ends a block unless it is inside
 * a fence.
 */
const examplesOf = (comment: string, firstLine: number): Array<{ line: number; text: string }> => {
  const lines = comment.split("\n").map((l) => l.replace(/^\s*\/\*\*\s?/, "").replace(/^\s*\*\/?\s?/, ""))
  const found: Array<{ line: number; text: string }> = []
  let i = 0
  while (i < lines.length) {
    if (!/^@example\b/.test(lines[i] ?? "")) {
      i++
      continue
    }
    const body: Array<{ line: number; text: string }> = []
    let inFence = false
    i++
    for (; i < lines.length; i++) {
      const l = lines[i] ?? ""
      if (!inFence && l.startsWith("@")) break
      if (/^(```|~~~)/.test(l.trim())) inFence = !inFence
      body.push({ line: firstLine + i, text: l })
    }
    while (body.length > 0 && (body.at(-1)?.text.trim() ?? "") === "") body.pop()
    while (body.length > 0 && (body[0]?.text.trim() ?? "") === "") body.shift()
    const fenced = /^(```|~~~)/.test(body[0]?.text.trim() ?? "")
    const code = fenced
      ? body.slice(1, /^(```|~~~)/.test(body.at(-1)?.text.trim() ?? "") ? -1 : undefined)
      : body
    const start = code[0]
    if (start !== undefined) found.push({ line: start.line, text: code.map((c) => c.text).join("\n") })
  }
  return found
}

const examples: Array<Example> = walk(src)
  .sort()
  .flatMap((file) => {
    const sourceFile = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true)
    const source = path.relative(root, file)
    return jsDocComments(sourceFile).flatMap((c) =>
      examplesOf(c.text, sourceFile.getLineAndCharacterOfPosition(c.pos).line).map((e) => ({
        fileName: path.join(
          examplesDir,
          `${source.replaceAll(path.sep, "-")}-L${String(e.line + 1).padStart(5, "0")}.ts`
        ),
        source,
        line: e.line,
        // `export {}`: each example is a module of its own, whether it imports or not. It goes
        // last so that the example's lines keep their numbers.
        text: `${e.text}\nexport {}\n`
      }))
    )
  })

const docgen: unknown = JSON.parse(fs.readFileSync(path.join(root, "docgen.json"), "utf8"))
const compilerOptions =
  typeof docgen === "object" && docgen !== null && "examplesCompilerOptions" in docgen
    ? docgen.examplesCompilerOptions
    : undefined
if (typeof compilerOptions !== "object" || compilerOptions === null) {
  throw new Error("docgen.json: examplesCompilerOptions must be an object")
}
const byFileName = new Map(examples.map((e) => [e.fileName, e]))
// As docgen's docs/examples/tsconfig.json would be read (its `paths` are relative to it).
const parsed = ts.parseJsonConfigFileContent(
  { compilerOptions, files: [...byFileName.keys()] },
  ts.sys,
  examplesDir,
  undefined,
  path.join(examplesDir, "tsconfig.json")
)
if (parsed.errors.length > 0) {
  throw new Error(ts.formatDiagnostics(parsed.errors, ts.createCompilerHost({})))
}

const host = ts.createCompilerHost(parsed.options)
const { getSourceFile, fileExists, readFile } = host
host.fileExists = (f) => byFileName.has(path.resolve(f)) || fileExists.call(host, f)
host.readFile = (f) => byFileName.get(path.resolve(f))?.text ?? readFile.call(host, f)
host.getSourceFile = (f, language, ...rest) => {
  const example = byFileName.get(path.resolve(f))
  return example !== undefined
    ? ts.createSourceFile(f, example.text, language, true)
    : getSourceFile.call(host, f, language, ...rest)
}

const started = performance.now()
const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host })
const diagnostics = ts.getPreEmitDiagnostics(program)

const problems = diagnostics.map((d) => {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n  ")
  if (d.file === undefined || d.start === undefined) return message
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start)
  const example = byFileName.get(path.resolve(d.file.fileName))
  // An error in the sources (not in an example) is shown where it is.
  const where =
    example === undefined
      ? `${path.relative(root, d.file.fileName)}:${line + 1}:${character + 1}`
      : `${example.source}:${example.line + line + 1} (@example, column ${character + 1})`
  return `${where}: TS${d.code}: ${message}`
})
const seconds = ((performance.now() - started) / 1000).toFixed(1)

if (problems.length > 0) {
  console.error(`${problems.length} error(s) in the @example blocks of src/:\n${problems.join("\n")}`)
  process.exit(1)
}
console.log(`examples: all ${examples.length} @example blocks of src/ type-check (${seconds}s)`)
