/**
 * The harness of the generated bad-input suite: runs one case bounded in time, classifies its end
 * (success, typed failure, defect, hang), looks for planted secrets in everything the case could
 * show a user (error messages, `util.inspect`, `JSON.stringify`, `Cause.pretty`, and whatever was
 * written to stdout/stderr/console while it ran), and drives fast-check so that every case of a
 * family runs (all counts are printed), then shrinks one counterexample per distinct problem.
 *
 * Environment:
 * - `FUZZ_RUNS`: cases per family (default: each family's own, a few thousand at most);
 * - `FUZZ_SEED`: the fast-check seed (default: random, printed in every report);
 * - `FUZZ_CASE_TIMEOUT_MS`: a case that has not ended by then is a hang (default 8000);
 * - `FUZZ_SHRINK_MS`: time allowed to shrink each distinct problem (default 15000);
 * - `FUZZ_MAX_SHRUNK`: distinct problems shrunk per family (default 8; the others are listed);
 * - `FUZZ_BUDGET_MS`: the most a family may run (default 600000), a safety net for hanging cases;
 * - `FUZZ_REPLAY`: a fast-check path (from a report): run that one case only, with `FUZZ_SEED`;
 * - `FUZZ_DEBUG`: a file to append one line per case to (time, heap, input).
 */
import * as fs from "node:fs"
import * as util from "node:util"
import { Cause, Chunk, Clock, Duration, Effect, Exit, Fiber } from "effect"
import fc from "fast-check"

const envInt = (name: string): number | undefined => {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === "") return undefined
  const n = Number(raw)
  return Number.isSafeInteger(n) ? n : undefined
}

/** Settings from the environment (see the module comment). */
export const settings = {
  seed: envInt("FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 31),
  runs: (fallback: number): number => envInt("FUZZ_RUNS") ?? fallback,
  caseTimeoutMs: envInt("FUZZ_CASE_TIMEOUT_MS") ?? 8000,
  shrinkMs: envInt("FUZZ_SHRINK_MS") ?? 15_000,
  /** The most a family's cases may take (a safety net when cases hang): the rest is not run. */
  budgetMs: envInt("FUZZ_BUDGET_MS") ?? 600_000,
  /** Distinct problems shrunk per family (the others are listed with their first example). */
  maxShrunk: envInt("FUZZ_MAX_SHRUNK") ?? 8,
  /** Appends one line per case (time, heap, input) to this file. */
  debugFile:
    process.env.FUZZ_DEBUG !== undefined && process.env.FUZZ_DEBUG !== ""
      ? process.env.FUZZ_DEBUG
      : undefined,
  /** A fast-check path (`FUZZ_REPLAY=17` or `17:0:3`): run that one case only (with `FUZZ_SEED`). */
  replay:
    process.env.FUZZ_REPLAY !== undefined && process.env.FUZZ_REPLAY !== ""
      ? process.env.FUZZ_REPLAY
      : undefined
}

/** A secret planted in the inputs: it must appear in no output. */
export interface Secret {
  readonly label: string
  readonly value: string
}

/** What went wrong in a case. */
export interface Problem {
  readonly kind: "defect" | "hang" | "leak" | "crash" | "violation"
  /** Groups cases of the same problem: no secret, no run-specific numbers. */
  readonly signature: string
  readonly detail: string
}

/** How a case ended, and its problems (none: the case is fine). */
export interface CaseOutcome {
  readonly end: "success" | "typed" | "defect" | "hang"
  /** The `_tag` of the typed failure. */
  readonly tag?: string | undefined
  readonly problems: ReadonlyArray<Problem>
  /** Milliseconds spent running the case and looking at its results (for FUZZ_DEBUG). */
  readonly runMs?: number | undefined
  readonly scanMs?: number | undefined
}

/**
 * A clock whose sleeps are `factor` times shorter (timeouts, retry delays, pauses): the code under
 * test runs unchanged, its waits fit in a case's time bound.
 */
export const fastClock = (factor: number): Clock.Clock => {
  const base = Clock.make()
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => base.unsafeCurrentTimeMillis(),
    currentTimeMillis: base.currentTimeMillis,
    unsafeCurrentTimeNanos: () => base.unsafeCurrentTimeNanos(),
    currentTimeNanos: base.currentTimeNanos,
    sleep: (duration) => base.sleep(Duration.millis(Duration.toMillis(duration) / factor))
  }
}

// --- output capture ------------------------------------------------------------------------------

interface Capture {
  readonly text: () => string
  readonly crashes: () => ReadonlyArray<unknown>
  readonly restore: () => void
}

const CONSOLE_METHODS = ["log", "error", "warn", "info", "debug", "trace"] as const

const chunkText = (chunk: unknown): string =>
  typeof chunk === "string"
    ? chunk
    : chunk instanceof Uint8Array
      ? Buffer.from(chunk).toString("utf8")
      : String(chunk)

/** Captures (and swallows) what is written to stdout, stderr, the console and process warnings. */
const capture = (): Capture => {
  const chunks: Array<string> = []
  const crashes: Array<unknown> = []
  const stdoutWrite = process.stdout.write
  const stderrWrite = process.stderr.write
  const fakeWrite = (chunk: unknown, ...rest: Array<unknown>): boolean => {
    chunks.push(chunkText(chunk))
    const callback = rest.find((a): a is () => void => typeof a === "function")
    if (callback !== undefined) queueMicrotask(callback)
    return true
  }
  process.stdout.write = fakeWrite
  process.stderr.write = fakeWrite
  const saved = CONSOLE_METHODS.map((name) => [name, console[name]] as const)
  for (const name of CONSOLE_METHODS) {
    console[name] = (...args: Array<unknown>) => {
      chunks.push(util.format(...args))
    }
  }
  const onWarning = (warning: Error) => chunks.push(`${warning.name}: ${warning.message}`)
  const onCrash = (error: unknown) => crashes.push(error)
  process.on("warning", onWarning)
  process.on("uncaughtExceptionMonitor", onCrash)
  process.on("unhandledRejection", onCrash)
  return {
    text: () => chunks.join(""),
    crashes: () => crashes,
    restore: () => {
      process.stdout.write = stdoutWrite
      process.stderr.write = stderrWrite
      for (const [name, fn] of saved) console[name] = fn
      process.off("warning", onWarning)
      process.off("uncaughtExceptionMonitor", onCrash)
      process.off("unhandledRejection", onCrash)
    }
  }
}

// --- running one case ----------------------------------------------------------------------------

type Bounded<A, E> = { readonly _tag: "Done"; readonly exit: Exit.Exit<A, E> } | { readonly _tag: "Hang" }

/** Runs an effect; a result later than `ms` is a hang (the fiber is interrupted, not awaited). */
const runBounded = <A, E>(effect: Effect.Effect<A, E>, ms: number): Promise<Bounded<A, E>> =>
  new Promise((resolve) => {
    const fiber = Effect.runFork(effect)
    const timer = setTimeout(() => {
      resolve({ _tag: "Hang" })
      Effect.runFork(Fiber.interruptFork(fiber))
    }, ms)
    fiber.addObserver((exit) => {
      clearTimeout(timer)
      resolve({ _tag: "Done", exit })
    })
  })

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Replaces the secrets in a text (for signatures and details, which are printed). */
export const redact = (text: string, secrets: ReadonlyArray<Secret>): string =>
  secrets.reduce((t, s) => (s.value === "" ? t : t.split(s.value).join(`<${s.label}>`)), text)

/** A stable signature part: no numbers, no quoted values, one line, bounded. */
export const normalize = (text: string): string =>
  text
    .split("\n")[0]
    ?.replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, "N")
    .slice(0, 120) ?? ""

const describeDefect = (defect: unknown): string => {
  try {
    return defect instanceof Error
      ? `${defect.name}: ${defect.message}`
      : `${typeof defect}: ${util.inspect(defect, { depth: 1 })}`
  } catch (error) {
    return `${tagOf(defect) ?? typeof defect} whose description throws ${error instanceof Error ? error.name : "a value"}`
  }
}

/** JSON.stringify, or `undefined` when it throws or would exceed 50 MB (an alias bomb kept as a DAG). */
const safeJson = (value: unknown): string | undefined => {
  let budget = 50_000_000
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      budget -= typeof v === "string" ? v.length : 8
      if (budget < 0) throw new Error("too large")
      return v
    })
  } catch {
    return undefined
  }
}

const isEmitter = (value: object): boolean =>
  "on" in value && typeof value.on === "function" && "emit" in value && typeof value.emit === "function"

/**
 * Every string reachable from a value through its own properties (enumerable or not), Maps, Sets
 * and byte arrays (read as latin1), with its property path: what a deep inspection could show.
 * Bounded (depth 8, 50 000 objects, 50 MB), shared objects visited once; functions and event
 * emitters (sockets, agents) are not entered.
 */
const reachableStrings = (root: unknown): ReadonlyArray<readonly [string, string]> => {
  const out: Array<readonly [string, string]> = []
  let chars = 0
  let nodes = 0
  const seen = new Set<object>()
  const push = (at: string, s: string) => {
    if (chars > 50_000_000) return
    out.push([at, s])
    chars += s.length
  }
  const visit = (value: unknown, at: string, depth: number): void => {
    if (typeof value === "string") {
      push(at, value)
      return
    }
    if (typeof value !== "object" || value === null || depth > 8 || seen.has(value) || nodes > 50_000) return
    seen.add(value)
    nodes++
    if (value instanceof Uint8Array) {
      push(at, Buffer.from(value.subarray(0, 1_000_000)).toString("latin1"))
      return
    }
    if (isEmitter(value)) return
    if (value instanceof Map) {
      for (const [k, v] of value) {
        visit(k, `${at}.<key>`, depth + 1)
        visit(v, `${at}.get(${typeof k === "string" ? JSON.stringify(k) : "…"})`, depth + 1)
      }
      return
    }
    if (value instanceof Set) {
      for (const v of value) visit(v, `${at}.<element>`, depth + 1)
      return
    }
    for (const key of Reflect.ownKeys(value)) {
      const name = typeof key === "string" ? key : key.toString()
      if (typeof key === "string") push(`${at}.<key>`, key)
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key)
      if (descriptor !== undefined && "value" in descriptor)
        visit(descriptor.value, `${at}.${name}`, depth + 1)
    }
  }
  visit(root, "", 0)
  return out
}

const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : undefined

const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)

/** The views of a value a user could print, by name, most visible first. */
const VIEW_ORDER = [
  "stdout/stderr/console",
  "message",
  "String()",
  "Cause.pretty",
  "util.inspect",
  "JSON.stringify",
  "a deep inspection"
] as const

type View = (typeof VIEW_ORDER)[number]

/** Marks a view that threw. */
const THREW = "\u0000threw: "

/** Every view of a value a user could print; the deep inspection names the path of each string. */
const viewsOf = (value: unknown): ReadonlyArray<readonly [View, string, string]> => {
  const attempt = (f: () => string): string => {
    try {
      return f()
    } catch (error) {
      return `${THREW}${describeDefect(error)}`
    }
  }
  const views: Array<readonly [View, string, string]> = [
    ["message", "", attempt(() => messageOf(value))],
    ["String()", "", attempt(() => String(value))],
    ["util.inspect", "", attempt(() => util.inspect(value))]
  ]
  const json = safeJson(value)
  if (json !== undefined) views.push(["JSON.stringify", "", json])
  try {
    for (const [at, text] of reachableStrings(value)) views.push(["a deep inspection", at, text])
  } catch (error) {
    views.push(["a deep inspection", "", `${THREW}${describeDefect(error)}`])
  }
  return views
}

interface Finding {
  readonly secret: string
  readonly view: View
  readonly at: string
  readonly excerpt: string
}

/** What a family adds to the generic checks, from how the case ended. */
export type Check<A, E> = (exit: Exit.Exit<A, E> | undefined) => ReadonlyArray<Problem>

/**
 * Runs one case: bounded by {@link settings.caseTimeoutMs}, output captured, secrets looked for in
 * every view of its failure and in its output, then the family's own check.
 */
export const evaluate = async <A, E>(
  effect: Effect.Effect<A, E>,
  options: {
    readonly secrets: ReadonlyArray<Secret>
    /** Groups hangs (e.g. the verb). */
    readonly label: string
    readonly check?: Check<A, E> | undefined
    readonly timeoutMs?: number | undefined
  }
): Promise<CaseOutcome> => {
  const timeoutMs = options.timeoutMs ?? settings.caseTimeoutMs
  const problems: Array<Problem> = []
  const cap = capture()
  const started = performance.now()
  let result: Bounded<A, E>
  try {
    result = await runBounded(effect, timeoutMs)
    await nextTurn()
  } finally {
    cap.restore()
  }
  const elapsed = performance.now() - started
  const secrets = options.secrets
  const findings: Array<Finding> = []
  const look = (view: View, at: string, text: string) => {
    for (const s of secrets) {
      const i = s.value === "" ? -1 : text.indexOf(s.value)
      if (i < 0) continue
      const excerpt = redact(text.slice(Math.max(0, i - 100), i + s.value.length + 40), secrets).replace(
        /\s+/g,
        " "
      )
      findings.push({ secret: s.label, view, at, excerpt })
    }
  }
  let shown = options.label
  const lookOrThrew = (what: string, view: View, at: string, text: string) => {
    if (!text.startsWith(THREW)) return look(view, at, text)
    problems.push({
      kind: "defect",
      signature: `printing a ${what} throws: ${normalize(text.slice(THREW.length))}`,
      detail: `${view} of a ${what} (${options.label}) throws ${text.slice(THREW.length, THREW.length + 300)}`
    })
  }
  /** A view of the failure; one that throws is a problem of its own (logging the error would crash). */
  const printable = (what: string, view: () => string): string => {
    try {
      return view()
    } catch (error) {
      problems.push({
        kind: "defect",
        signature: `printing a ${what} throws: ${normalize(describeDefect(error))}`,
        detail: `printing a ${what} (${options.label}) throws ${describeDefect(error).slice(0, 300)}`
      })
      return ""
    }
  }

  let end: CaseOutcome["end"]
  let tag: string | undefined
  if (result._tag === "Hang" || elapsed > timeoutMs) {
    end = "hang"
    problems.push({
      kind: "hang",
      signature: `hang: ${options.label}`,
      detail: `no end within ${timeoutMs} ms (${options.label})`
    })
  } else if (Exit.isSuccess(result.exit)) {
    end = "success"
  } else {
    const cause = result.exit.cause
    const defects = Chunk.toReadonlyArray(Cause.defects(cause))
    const failures = Chunk.toReadonlyArray(Cause.failures(cause))
    for (const defect of defects) {
      problems.push({
        kind: "defect",
        signature: `defect: ${normalize(redact(describeDefect(defect), secrets))}`,
        detail: `died (${options.label}): ${redact(describeDefect(defect), secrets).slice(0, 400)}`
      })
    }
    if (defects.length === 0 && failures.length === 0) {
      problems.push({
        kind: "defect",
        signature: "defect: interrupted from within",
        detail: `the case was interrupted from within (${options.label})`
      })
    }
    for (const failure of failures) {
      const t = tagOf(failure)
      if (t === undefined) {
        problems.push({
          kind: "violation",
          signature: `untyped failure: ${normalize(redact(describeDefect(failure), secrets))}`,
          detail: `failed with a value without _tag: ${redact(describeDefect(failure), secrets).slice(0, 400)}`
        })
      }
      if (tag === undefined && t !== undefined) {
        tag = t
        const first = (printable(t, () => messageOf(failure)).split("\n")[0] ?? "")
          .split(": ")
          .slice(0, 2)
          .join(": ")
        shown = `${t} (${normalize(redact(first, secrets)).slice(0, 60)})`
      }
      for (const [view, at, text] of viewsOf(failure)) lookOrThrew(t ?? "failure", view, at, text)
    }
    for (const defect of defects) {
      for (const [view, at, text] of viewsOf(defect)) lookOrThrew("defect", view, at, text)
    }
    look(
      "Cause.pretty",
      "",
      printable(tag ?? "failure", () => Cause.pretty(cause, { renderErrorCause: true }))
    )
    end = defects.length > 0 || failures.length === 0 ? "defect" : "typed"
  }
  look("stdout/stderr/console", "", cap.text())
  if (findings.length > 0) {
    const views = VIEW_ORDER.filter((v) => findings.some((f) => f.view === v))
    const first = findings.find((f) => f.view === views[0]) ?? findings[0]
    const labels = [...new Set(findings.map((f) => f.secret))]
    problems.push({
      kind: "leak",
      signature: `leak: ${shown} shows a secret in its ${views[0]}`,
      detail: `${labels.join(", ")} visible through ${views.join(", ")}; e.g. ${first?.view}${first?.at !== "" ? ` at ${first?.at}` : ""}: …${first?.excerpt}…`
    })
  }
  for (const crash of cap.crashes()) {
    problems.push({
      kind: "crash",
      signature: `crash: ${normalize(redact(describeDefect(crash), secrets))}`,
      detail: `uncaught while the case ran (${options.label}; it may come from an earlier case): ${redact(
        crash instanceof Error ? (crash.stack ?? describeDefect(crash)) : describeDefect(crash),
        secrets
      ).slice(0, 1200)}`
    })
  }
  if (options.check !== undefined) {
    problems.push(...options.check(result._tag === "Done" ? result.exit : undefined))
  }
  return {
    end,
    tag,
    problems: dedupe(problems),
    runMs: Math.round(elapsed),
    scanMs: Math.round(performance.now() - started - elapsed)
  }
}

const dedupe = (problems: ReadonlyArray<Problem>): ReadonlyArray<Problem> => {
  const seen = new Set<string>()
  return problems.filter((p) => {
    if (seen.has(p.signature)) return false
    seen.add(p.signature)
    return true
  })
}

// --- the runner ----------------------------------------------------------------------------------

interface SignatureStats {
  readonly kind: Problem["kind"]
  count: number
  readonly firstRun: number
  readonly firstDetail: string
  readonly firstInput: unknown
}

interface Shrunk {
  readonly signature: string
  readonly counterexample: unknown
  readonly path: string | null
  readonly numShrinks: number
  readonly detail: string
  readonly interrupted: boolean
}

/** The result of a family: counts, the distinct problems and their shrunk counterexamples. */
export interface FamilyReport {
  readonly family: string
  readonly file: string
  readonly seed: number
  readonly runs: number
  elapsedMs: number
  readonly counts: {
    cases: number
    successes: number
    typedFailures: number
    defects: number
    hangs: number
    leaks: number
    violations: number
    crashes: number
  }
  /** How many cases ended with each typed failure. */
  readonly tags: Map<string, number>
  readonly signatures: Map<string, SignatureStats>
  readonly shrunk: Array<Shrunk>
  /** Cases with at least one problem. */
  problemCases: number
  /** Whether FUZZ_BUDGET_MS cut the run short. */
  interrupted: boolean
}

const reports: Array<FamilyReport> = []

/** The first and last lines of a stack (a stack overflow repeats the same frames in between). */
const stackSummary = (error: Error): string => {
  const lines = (error.stack ?? error.message).split("\n")
  // Drop the frames that repeat one of the few before them (a recursion), keep the rest.
  const kept = lines.filter((line, i) => i < 4 || !lines.slice(Math.max(0, i - 6), i).includes(line))
  return kept.slice(0, 24).join("\n")
}

/** A case whose code threw (a bug of the suite, or a synchronous throw it could not catch). */
const runSafely = async <T>(run: (input: T) => Promise<CaseOutcome>, input: T): Promise<CaseOutcome> => {
  try {
    return await run(input)
  } catch (error) {
    return {
      end: "defect",
      problems: [
        {
          kind: "crash",
          signature: `the case threw: ${normalize(describeDefect(error))}`,
          detail: `the case threw: ${error instanceof Error ? stackSummary(error) : String(error)}`
        }
      ]
    }
  }
}

const firstOf = (tuple: unknown): unknown => (Array.isArray(tuple) ? tuple[0] : undefined)

/**
 * Runs every case of a family (so that the counts are complete), then, for each distinct problem
 * (up to {@link settings.maxShrunk}), replays its first case with fast-check's `path` and shrinks it.
 */
export const fuzz = async <T>(
  family: string,
  file: string,
  arbitrary: fc.Arbitrary<T>,
  run: (input: T) => Promise<CaseOutcome>,
  options: { readonly runs: number }
): Promise<FamilyReport> => {
  const seed = settings.seed
  const runs = settings.runs(options.runs)
  const started = performance.now()
  const report: FamilyReport = {
    family,
    file,
    seed,
    runs,
    elapsedMs: 0,
    counts: {
      cases: 0,
      successes: 0,
      typedFailures: 0,
      defects: 0,
      hangs: 0,
      leaks: 0,
      violations: 0,
      crashes: 0
    },
    tags: new Map(),
    signatures: new Map(),
    shrunk: [],
    problemCases: 0,
    interrupted: false
  }
  let index = 0
  await fc.check(
    fc.asyncProperty(arbitrary, async (input) => {
      const i = index++
      const t0 = performance.now()
      const outcome = await runSafely(run, input)
      if (settings.debugFile !== undefined) {
        const ms = Math.round(performance.now() - t0)
        const gc: unknown = Reflect.get(globalThis, "gc")
        if (typeof gc === "function") gc()
        const mb = Math.round(process.memoryUsage().heapUsed / 1e6)
        fs.appendFileSync(
          settings.debugFile,
          `${family}\t${i}\t${outcome.end}\t${ms}ms (run ${outcome.runMs}, scan ${outcome.scanMs})\t${mb}MB\t${show(input).slice(0, 400)}\n`
        )
      }
      const c = report.counts
      c.cases++
      const kinds = new Set(outcome.problems.map((p) => p.kind))
      if (outcome.end === "success") c.successes++
      else if (outcome.end === "typed") c.typedFailures++
      else if (outcome.end === "hang") c.hangs++
      // A defect: the case died, or its typed failure cannot be printed (printing it throws).
      if (outcome.end === "defect" || kinds.has("defect")) c.defects++
      if (outcome.tag !== undefined) report.tags.set(outcome.tag, (report.tags.get(outcome.tag) ?? 0) + 1)
      if (kinds.has("leak")) c.leaks++
      if (kinds.has("violation")) c.violations++
      if (kinds.has("crash")) c.crashes++
      if (outcome.problems.length > 0) report.problemCases++
      for (const p of outcome.problems) {
        const stats = report.signatures.get(p.signature)
        if (stats !== undefined) stats.count++
        else
          report.signatures.set(p.signature, {
            kind: p.kind,
            count: 1,
            firstRun: i,
            firstDetail: p.detail,
            firstInput: input
          })
      }
      return true
    }),
    settings.replay !== undefined
      ? { seed, numRuns: 1, path: settings.replay }
      : { seed, numRuns: runs, plugins: [fc.interruptAfterTimeLimit(settings.budgetMs)] }
  )
  report.interrupted = report.counts.cases < runs && settings.replay === undefined

  const toShrink = [...report.signatures.entries()].slice(0, settings.maxShrunk)
  for (const [signature, stats] of toShrink) {
    let detail = stats.firstDetail
    const details = await fc.check(
      fc.asyncProperty(arbitrary, async (input) => {
        const outcome = await runSafely(run, input)
        const problem = outcome.problems.find((p) => p.signature === signature)
        if (problem !== undefined) detail = problem.detail
        return problem === undefined
      }),
      {
        seed,
        path: settings.replay ?? String(stats.firstRun),
        numRuns: runs,
        plugins: [fc.interruptAfterTimeLimit(settings.shrinkMs)]
      }
    )
    report.shrunk.push({
      signature,
      counterexample: firstOf(details.counterexample) ?? stats.firstInput,
      path: details.counterexamplePath,
      numShrinks: details.numShrinks,
      detail,
      interrupted: details.interrupted
    })
  }
  report.elapsedMs = Math.round(performance.now() - started)
  reports.push(report)
  return report
}

// --- printing ------------------------------------------------------------------------------------

/** A JavaScript-like rendering of a value, long strings and byte arrays abbreviated. */
export const show = (value: unknown, depth = 0): string => {
  if (typeof value === "string") {
    if (value.length <= 200) return JSON.stringify(value)
    const first = value[0] ?? ""
    if (value === first.repeat(value.length)) return `${JSON.stringify(first)}.repeat(${value.length})`
    return `${JSON.stringify(value.slice(0, 120))} + … /* ${value.length} chars, ends ${JSON.stringify(value.slice(-40))} */`
  }
  if (value instanceof Uint8Array) {
    const head = Array.from(value.subarray(0, 48))
    return `Uint8Array.from([${head.join(",")}${value.length > 48 ? `, … /* ${value.length} bytes */` : ""}])`
  }
  if (depth > 8) return "…"
  if (Array.isArray(value)) return `[${value.map((v) => show(v, depth + 1)).join(", ")}]`
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${show(v, depth + 1)}`)
    return `{ ${entries.join(", ")} }`
  }
  return typeof value === "bigint" ? `${value}n` : String(value)
}

const countsLine = (r: FamilyReport) => {
  const c = r.counts
  return `${c.cases} cases: ${c.successes} successes, ${c.typedFailures} typed failures, ${c.defects} defects, ${c.hangs} hangs, ${c.leaks} leaks, ${c.violations} violations, ${c.crashes} crashes`
}

/** The report of a family, with how to replay it and a minimal counterexample per problem. */
export const formatReport = (r: FamilyReport): string => {
  const lines = [
    `fuzz family "${r.family}" (${r.file}), seed ${r.seed}, ${r.runs} runs, ${(r.elapsedMs / 1000).toFixed(1)} s`,
    `  ${countsLine(r)}${r.interrupted ? ` (cut short by FUZZ_BUDGET_MS=${settings.budgetMs} after ${r.counts.cases} of ${r.runs})` : ""}`,
    `  typed failures by tag: ${[...r.tags.entries()].map(([t, n]) => `${t} ${n}`).join(", ") || "none"}`
  ]
  if (r.signatures.size === 0) return lines.join("\n")
  lines.push(
    `  ${r.problemCases} cases with problems, ${r.signatures.size} distinct problems.`,
    `  Replay: FUZZ_SEED=${r.seed} FUZZ_RUNS=${r.runs} npx vitest run --project fuzz ${r.file}`
  )
  let n = 0
  for (const [signature, stats] of r.signatures) {
    n++
    const shrunk = r.shrunk.find((s) => s.signature === signature)
    lines.push(`  ${n}. [${stats.kind}] ${signature} (${stats.count} cases, first at run ${stats.firstRun})`)
    if (shrunk !== undefined) {
      lines.push(
        `     minimal input (${shrunk.numShrinks} shrinks${shrunk.interrupted ? ", shrinking cut by FUZZ_SHRINK_MS" : ""}; fast-check { seed: ${r.seed}, path: ${JSON.stringify(shrunk.path)} }):`,
        `       ${show(shrunk.counterexample)}`,
        `     ${shrunk.detail}`
      )
    } else {
      lines.push(`     first input: ${show(stats.firstInput)}`, `     ${stats.firstDetail}`)
    }
  }
  return lines.join("\n")
}

/** Prints the counts of every family run in this file (for `afterAll`). */
export const printSummary = (): void => {
  for (const r of reports) {
    console.log(`[fuzz] ${r.family}: ${countsLine(r)} (seed ${r.seed}, ${(r.elapsedMs / 1000).toFixed(1)} s)`)
  }
}

/** Fails the test with the report when a family has problems. */
export const assertClean = (r: FamilyReport): void => {
  if (r.problemCases > 0) throw new Error(formatReport(r))
}
