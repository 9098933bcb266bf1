/**
 * The proxy of the Node transport: the cluster's `proxy-url`, the `proxy` option, or (with
 * `trustEnv`) `HTTPS_PROXY` / `HTTP_PROXY` unless `NO_PROXY` excludes the server; `NO_PROXY`
 * matching with host suffixes, ports and IPv4 CIDR ranges.
 */

import { Config, Effect, Option, Redacted } from "effect"
import { ConfigError } from "../../config/ConfigError.js"
import type { ResolvedConfig } from "../../config/KubeConfig.js"
import { parseUrl, proxyUrlProblem } from "../../internal/urls.js"

/** The options the proxy is chosen by (a part of the transport's `Options`). */
export interface ProxyOptions {
  readonly trustEnv?: boolean | undefined
  readonly proxy?: string | undefined
}

/** An environment variable, upper-case first, with the name it was found under. */
const envVar = (name: string) =>
  Config.option(
    Config.map(Config.string(name.toUpperCase()), (value) => ({ name: name.toUpperCase(), value })).pipe(
      Config.orElse(() => Config.map(Config.string(name), (value) => ({ name, value })))
    )
  )

const proxyEnv = Config.all({
  https: envVar("https_proxy"),
  http: envVar("http_proxy"),
  noProxy: envVar("no_proxy")
})

/**
 * Whether `NO_PROXY` excludes a URL: `*`, exact hosts, domain suffixes (`.example.com` or
 * `example.com`), `host:port`, and IPv4 CIDR ranges.
 */
export const isNoProxy = (url: string, noProxy: string): boolean => {
  const target = new URL(url)
  const host = target.hostname.replace(/^\[|\]$/g, "").toLowerCase()
  const port = target.port !== "" ? target.port : target.protocol === "https:" ? "443" : "80"
  return noProxy
    .split(/[,\s]+/)
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== "")
    .some((entry) => {
      if (entry === "*") return true
      let name = entry
      const portMatch = /^(.*):(\d+)$/.exec(entry)
      if (portMatch !== null && !entry.includes("::")) {
        if (portMatch[2] !== port) return false
        name = portMatch[1] ?? ""
      }
      name = name.replace(/^\[|\]$/g, "")
      if (name.includes("/")) return inCidr(host, name)
      name = name.replace(/^\*?\./, "")
      return host === name || host.endsWith(`.${name}`)
    })
}

const ipv4 = (s: string): number | undefined => {
  const parts = s.split(".")
  if (parts.length !== 4) return undefined
  let n = 0
  for (const p of parts) {
    const v = Number(p)
    if (!/^\d+$/.test(p) || v > 255) return undefined
    n = n * 256 + v
  }
  return n
}

const inCidr = (host: string, cidr: string): boolean => {
  const [base, bitsText] = cidr.split("/")
  const h = ipv4(host)
  const b = ipv4(base ?? "")
  const bits = Number(bitsText)
  if (h === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false
  const size = 2 ** (32 - bits)
  return Math.floor(h / size) === Math.floor(b / size)
}

/** The proxy to use, checked, and where it came from (for messages, which never show the URL). */
export interface ChosenProxy {
  readonly url: URL
  readonly source: string
}

/**
 * The proxy for the cluster: its `proxy-url`, else the `proxy` option, else (with `trustEnv`)
 * `HTTPS_PROXY` / `HTTP_PROXY` unless `NO_PROXY` excludes the server. Whichever it is, it gets the
 * same check ({@link proxyUrlProblem}); a bad one is a `ConfigError` naming its source only.
 */
export const chooseProxy = (
  config: ResolvedConfig,
  options: ProxyOptions
): Effect.Effect<Option.Option<ChosenProxy>, ConfigError> =>
  Effect.gen(function* () {
    const pick = yield* Effect.gen(function* () {
      const configured = config.cluster.proxyUrl !== undefined ? Redacted.value(config.cluster.proxyUrl) : ""
      if (configured !== "") return Option.some({ value: configured, source: "the cluster's proxy-url" })
      if (options.proxy !== undefined && options.proxy !== "") {
        return Option.some({ value: options.proxy, source: "the proxy option" })
      }
      if (options.trustEnv === false) return Option.none()
      const env = yield* Effect.orDie(proxyEnv)
      const server = config.cluster.server
      const candidate = server.startsWith("https:") ? env.https : env.http
      if (Option.isNone(candidate) || candidate.value.value === "") return Option.none()
      if (Option.isSome(env.noProxy) && isNoProxy(server, env.noProxy.value.value)) return Option.none()
      return Option.some({ value: candidate.value.value, source: candidate.value.name })
    })
    if (Option.isNone(pick)) return Option.none()
    const { source, value } = pick.value
    const problem = proxyUrlProblem(value)
    const url = problem === undefined ? parseUrl(value) : undefined
    if (url === undefined) {
      return yield* Effect.fail(
        new ConfigError({
          reason: "InvalidConfig",
          detail: `the proxy from ${source} ${problem ?? "is not a valid URL"}`,
          context: config.context
        })
      )
    }
    return Option.some({ url, source })
  })
