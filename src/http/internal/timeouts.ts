/**
 * The response timeout of the cluster's requests: its default, and the error a request gets when
 * no response came in time (the same whichever enforces it, KubeHttpClient or the transport).
 */
import { HttpClientError, type HttpClientRequest } from "@effect/platform"
import { Cause, Duration } from "effect"

/** How long a request waits for its response headers unless told. */
export const DEFAULT_TIMEOUT: Duration.Duration = Duration.seconds(10)

/** The failure of a request that got no response headers within `timeout`. */
export const noResponseWithin = (
  request: HttpClientRequest.HttpClientRequest,
  timeout: Duration.Duration
): HttpClientError.RequestError => {
  const description = `no response within ${Duration.format(timeout)}`
  return new HttpClientError.RequestError({
    request,
    reason: "Transport",
    cause: new Cause.TimeoutException(description),
    description
  })
}
