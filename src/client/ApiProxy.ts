/**
 * HTTP requests to a pod or a service through the apiserver (`pods/proxy`, `services/proxy`, as
 * `kubectl get --raw /api/v1/namespaces/ns/pods/web:8080/proxy/metrics` or client-go's
 * `ProxyGet`): the cluster's credentials go to the apiserver only, which forwards the request.
 *
 * @since 0.1.0
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Either } from "effect"
import * as ApiError from "../http/ApiError.js"
import { checkSegment, InvalidRequest } from "../resource/InvalidRequest.js"
import type * as Resource from "../resource/Resource.js"
import * as ApiRequest from "./ApiRequest.js"
import type * as Client from "./Client.js"
import { checkedAs } from "./internal/answer.js"
import { annotateTarget, kindAttributes, operation } from "./internal/operation.js"

/**
 * What to send through the proxy.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The namespace of the pod or service (default: the client's). */
  readonly namespace?: string | undefined
  /** Default: `GET`. */
  readonly method?: ApiRequest.Method | undefined
  /** The port of the pod or service: its number or name. Default: the first (the apiserver's choice). */
  readonly port?: number | string | undefined
  /** `https` to reach a TLS port (the apiserver does not verify its certificate). Default: `http`. */
  readonly scheme?: "http" | "https" | undefined
  /**
   * The path on the pod or service (`/metrics`, `api/v1/items`): each segment checked as a path
   * segment (no `.`, `..`, `%`, control characters) and encoded; a trailing `/` is kept.
   */
  readonly path?: string | undefined
  readonly query?: Iterable<readonly [string, string]> | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly body?: string | Uint8Array | undefined
  /** Default: `application/octet-stream` for bytes, `text/plain` for text. */
  readonly contentType?: string | undefined
}

/**
 * The answer of the pod or service (a success: an error status is an `ApiError`, as client-go's
 * `DoRaw`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ProxyResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
  /** The body as UTF-8 text. */
  readonly text: string
}

/** The proxy's path segment for an object: `[scheme:]name[:port]`, each part checked. */
const addressOf = (name: string, options: Options): Either.Either<string, InvalidRequest> =>
  Either.gen(function* () {
    yield* checkSegment("name", name)
    if (name.includes(":")) return yield* Either.left(colonIn("name", name))
    const port = options.port === undefined ? undefined : String(options.port)
    if (port !== undefined) {
      yield* checkSegment("port", port)
      if (port.includes(":")) return yield* Either.left(colonIn("port", port))
    }
    // Each part encoded, the colons between them kept as kubectl sends them.
    const scheme = options.scheme === "https" ? "https:" : ""
    return `${scheme}${encodeURIComponent(name)}${port !== undefined ? `:${encodeURIComponent(port)}` : ""}`
  })

const colonIn = (role: "name" | "port", value: string): InvalidRequest =>
  new InvalidRequest({ detail: `invalid ${role} ${JSON.stringify(value)}: it contains ':'` })

/** The path on the target, its segments checked and encoded. */
const pathOf = (path: string | undefined): Either.Either<string, InvalidRequest> =>
  Either.gen(function* () {
    // The root of the target: `.../proxy/` (without the slash, the apiserver redirects there).
    if (path === undefined || path === "" || path === "/") return "/"
    const trailing = path.endsWith("/")
    const segments = path
      .split("/")
      .filter((segment, i, all) => !(segment === "" && (i === 0 || i === all.length - 1)))
    const encoded: Array<string> = []
    for (const segment of segments) encoded.push(encodeURIComponent(yield* checkSegment("path", segment)))
    return `/${encoded.join("/")}${trailing ? "/" : ""}`
  })

/**
 * Sends an HTTP request to a pod or a service through the apiserver's proxy and reads the whole
 * answer; an error status (the pod's or the apiserver's, e.g. 503 "no endpoints available") or a
 * redirect (not followed) is an `ApiError`. Interrupting it cancels the request.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ApiProxy } from "effect-kube"
 * import { Pod, Service } from "effect-kube/models/core/v1"
 *
 * const metrics = Effect.map(
 *   ApiProxy.request(Pod, "web-0", { namespace: "apps", port: 9090, path: "/metrics" }),
 *   (answer) => answer.text
 * )
 * const created = ApiProxy.request(Service, "api", {
 *   method: "POST", path: "/items", body: JSON.stringify({ name: "x" }), contentType: "application/json"
 * })
 * ```
 *
 * @since 0.1.0
 * @category requests
 */
export const request = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "proxy", I>,
  name: string,
  options: Options = {}
): Effect.Effect<ProxyResponse, Client.ClientError, Client.Requirements> =>
  Effect.gen(function* () {
    const address = yield* addressOf(name, options)
    const rest = yield* pathOf(options.path)
    const method = options.method ?? "GET"
    // The kind's path in the namespace (checked there), then the proxy's own parts.
    const target = yield* ApiRequest.target({
      resource,
      method,
      namespace: options.namespace,
      query: options.query ?? []
    })
    let http = HttpClientRequest.make(method)(`${target.path}/${address}/proxy${rest}`)
    if (target.query.length > 0) http = HttpClientRequest.appendUrlParams(http, target.query)
    if (options.headers !== undefined) http = HttpClientRequest.setHeaders(http, options.headers)
    if (typeof options.body === "string")
      http = HttpClientRequest.bodyText(http, options.body, options.contentType ?? "text/plain")
    else if (options.body !== undefined)
      http = HttpClientRequest.bodyUint8Array(
        http,
        options.body,
        options.contentType ?? "application/octet-stream"
      )
    const client = yield* HttpClient.HttpClient
    yield* annotateTarget(target.namespace, name)
    const response = yield* Effect.flatMap(client.execute(http), checkedAs("proxy"))
    // A redirect is not followed (it may point anywhere): an error, with its status.
    if (response.status >= 300) return yield* ApiError.fromResponse(response)
    const body = new Uint8Array(yield* response.arrayBuffer)
    return {
      status: response.status,
      headers: response.headers,
      body,
      text: new TextDecoder().decode(body)
    }
  }).pipe(Effect.scoped, operation("ApiProxy.request", "proxy", kindAttributes(resource)))
