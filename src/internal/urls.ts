/**
 * URL checks shared by the configuration and the transports: parsing without throwing, origins,
 * and the one check of a proxy URL (the kubeconfig's `proxy-url`, the `proxy` option,
 * `HTTPS_PROXY` / `HTTP_PROXY`). None of them ever repeats a URL in what it returns, since a
 * proxy URL (and sometimes a server URL) can hold a password.
 *
 * @internal
 */

/** White space and control characters, which the URL parser would silently drop or encode. */
const UNSAFE_URL_CHARS = /[\s\p{Cc}]/u

/** A URL, or `undefined` when it does not parse (or holds white space or control characters). */
export const parseUrl = (value: string): URL | undefined => {
  if (UNSAFE_URL_CHARS.test(value)) return undefined
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

/** The origin (scheme, host and port) of an absolute URL, or `undefined` if it has none. */
export const originOf = (url: string | URL): string | undefined => {
  const parsed = typeof url === "string" ? parseUrl(url) : url
  if (parsed === undefined || parsed.origin === "null") return undefined
  return parsed.origin
}

/** The proxy schemes client-go accepts. */
export const PROXY_PROTOCOLS: ReadonlySet<string> = new Set(["http:", "https:", "socks5:"])

/**
 * Why a proxy URL cannot be used, in words that never repeat any of it (it may hold a
 * password), or `undefined` when it can (or is unset). Checked: it parses, its scheme is http,
 * https or socks5, it has a host, and its port (if any) is in 1-65535.
 */
export const proxyUrlProblem = (value: string | undefined): string | undefined => {
  if (value === undefined || value === "") return undefined
  const url = parseUrl(value)
  if (url === undefined) return "is not a valid URL"
  if (!PROXY_PROTOCOLS.has(url.protocol)) return "must be an http, https or socks5 URL"
  if (url.hostname === "") return "has no host"
  if (url.port !== "") {
    const port = Number(url.port)
    if (!Number.isInteger(port) || port < 1 || port > 65535) return "has a port outside 1-65535"
  }
  return undefined
}
