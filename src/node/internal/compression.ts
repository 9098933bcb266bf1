/**
 * Response compression: whether to ask for gzip (not when the cluster says `disable-compression`,
 * by default not on the loopback interface), asking for it, and inflating the answers.
 */

import * as Stream_ from "node:stream"
import * as Zlib from "node:zlib"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { NodeStream } from "@effect/platform-node"
import { Effect, Stream } from "effect"
import type { ResolvedConfig } from "../../config/KubeConfig.js"
import { parseUrl } from "../../internal/urls.js"

/** The options of compression (a part of the transport's `Options`). */
export interface CompressionOptions {
  readonly compression?: boolean | undefined
}

const isLoopback = (server: string): boolean => {
  const host = parseUrl(server)?.hostname.replace(/^\[|\]$/g, "")
  if (host === undefined) return false
  return host === "localhost" || host === "::1" || /^127\./.test(host)
}

/**
 * Whether to ask for gzip: never with `disable-compression`, else the `compression` option, by
 * default yes unless the server is on the loopback interface (where compressing costs time and
 * saves nothing).
 */
export const wantsCompression = (config: ResolvedConfig, options: CompressionOptions): boolean =>
  !config.cluster.disableCompression && (options.compression ?? !isLoopback(config.cluster.server))

/**
 * The client asking for gzip (`accept-encoding`, unless the request names its own) and inflating
 * compressed answers.
 */
export const withGzip = (client: HttpClient.HttpClient): HttpClient.HttpClient =>
  HttpClient.transformResponse(
    HttpClient.mapRequest(client, (request) =>
      request.headers["accept-encoding"] === undefined
        ? HttpClientRequest.setHeader(request, "accept-encoding", "gzip")
        : request
    ),
    Effect.flatMap(gunzip)
  )

const NULL_BODY: ReadonlySet<number> = new Set([204, 205, 304])

/** A gzip-encoded response (the apiserver compresses large bodies when asked) as plain bytes. */
const gunzip = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<HttpClientResponse.HttpClientResponse> => {
  const encoding = response.headers["content-encoding"]?.toLowerCase()
  if (encoding !== "gzip" && encoding !== "deflate") return Effect.succeed(response)
  // A status without a body (1xx, 204, 205, 304), or one a web Response cannot hold, has nothing
  // to inflate: left as it is (the Response constructor would throw on it).
  if (response.status < 200 || response.status > 599 || NULL_BODY.has(response.status)) {
    return Effect.succeed(response)
  }
  return Effect.map(NodeStream.toReadable(response.stream), (compressed) => {
    const headers = new Headers()
    for (const [name, value] of Object.entries(response.headers)) {
      if (name !== "content-encoding" && name !== "content-length") headers.set(name, value)
    }
    const inflate = encoding === "gzip" ? Zlib.createGunzip() : Zlib.createInflate()
    const plain = NodeStream.fromReadable<Error, Uint8Array>(
      // `pipeline`, not `pipe`: a body that breaks (reset, bad chunking) fails the inflated stream
      // too, instead of leaving it open for ever and the error unhandled.
      () => Stream_.pipeline(compressed, inflate, () => {}),
      (cause) => (cause instanceof Error ? cause : new Error(String(cause)))
    )
    return HttpClientResponse.fromWeb(
      response.request,
      new Response(Stream.toReadableStream(plain), { status: response.status, headers })
    )
  })
}
