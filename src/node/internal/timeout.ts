/**
 * The response timeout of the Node transport: undici's `headersTimeout` (set by the cluster's
 * dispatcher) fails a request that gets no response headers in time; its error is given the shape
 * KubeHttpClient's own timeout has (a `RequestError` whose cause is a `TimeoutException`), so that
 * callers and the retry policy see the same failure whichever enforces it.
 */

import { HttpClient } from "@effect/platform"
import { type Duration, Effect } from "effect"
import { noResponseWithin } from "../../http/internal/timeouts.js"

/** Whether an error is undici's of that code (`UND_ERR_HEADERS_TIMEOUT`, `UND_ERR_BODY_TIMEOUT`, ...). */
export const isUndiciError = (cause: unknown, code: string): boolean =>
  cause instanceof Error && "code" in cause && cause.code === code

/** The transport with undici's headers timeout reported as KubeHttpClient reports its own. */
export const withTimeoutError = (
  client: HttpClient.HttpClient,
  timeout: Duration.Duration
): HttpClient.HttpClient =>
  HttpClient.transformResponse(
    client,
    Effect.mapError((error) => {
      if (error._tag !== "RequestError" || !isUndiciError(error.cause, "UND_ERR_HEADERS_TIMEOUT"))
        return error
      return noResponseWithin(error.request, timeout)
    })
  )
