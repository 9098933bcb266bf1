/**
 * The response timeout of the Node transport: undici's `headersTimeout` (set by the cluster's
 * dispatcher) fails a request that gets no response headers in time; its error is given the shape
 * KubeHttpClient's own timeout has (a `RequestError` whose cause is a `TimeoutException`), so that
 * callers and the retry policy see the same failure whichever enforces it.
 */

import { HttpClient, HttpClientError } from "@effect/platform"
import { Cause, Duration, Effect } from "effect"

const isHeadersTimeout = (cause: unknown): boolean =>
  cause instanceof Error && "code" in cause && cause.code === "UND_ERR_HEADERS_TIMEOUT"

/** The transport with undici's headers timeout reported as KubeHttpClient reports its own. */
export const withTimeoutError = (
  client: HttpClient.HttpClient,
  timeout: Duration.Duration
): HttpClient.HttpClient =>
  HttpClient.transformResponse(
    client,
    Effect.mapError((error) => {
      if (error._tag !== "RequestError" || !isHeadersTimeout(error.cause)) return error
      const description = `no response within ${Duration.format(timeout)}`
      return new HttpClientError.RequestError({
        request: error.request,
        reason: "Transport",
        cause: new Cause.TimeoutException(description),
        description
      })
    })
  )
