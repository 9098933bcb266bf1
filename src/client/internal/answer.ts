/**
 * An answer checked for the verb of the operation it belongs to: counted (`Metrics.requests`, tags
 * `verb` and `code`), its status code set on the current span, an error status turned into the
 * `ApiError` with the server's `Status`. One fiber step, no context change: this is on every request.
 */
import { HttpClient, type HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Effect, FiberRef, type Metric } from "effect"
import * as ApiError from "../../http/ApiError.js"
import * as metricKeys from "../../http/internal/metricKeys.js"

// The tagged counter of each verb and code, made once (not per answer).
const counters = new Map<string, Metric.Metric.Counter<number>>()
const requestsOf = (verb: string, code: number): Metric.Metric.Counter<number> => {
  const key = `${verb} ${code}`
  let counter = counters.get(key)
  if (counter === undefined) {
    counter = metricKeys.counter(metricKeys.requests, [
      ["verb", verb],
      ["code", String(code)]
    ])
    counters.set(key, counter)
  }
  return counter
}

/** The response when its status is a success, else its `ApiError`; counted under `verb`. */
export const checkedAs =
  (verb: string) =>
  (
    response: HttpClientResponse.HttpClientResponse
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, ApiError.ApiError> =>
    Effect.withFiberRuntime((fiber) => {
      requestsOf(verb, response.status).unsafeUpdate(1, fiber.getFiberRef(FiberRef.currentMetricLabels))
      const span = fiber.currentSpan
      if (span !== undefined && span._tag === "Span")
        span.attribute("http.response.status_code", response.status)
      return response.status >= 400 ? ApiError.fromResponse(response) : Effect.succeed(response)
    })

/** Sends a request and reads the JSON of a successful answer, counted under `verb`. */
export const jsonAs = (verb: string, request: HttpClientRequest.HttpClientRequest) => {
  const check = checkedAs(verb)
  return Effect.flatMap(HttpClient.HttpClient, (http) =>
    Effect.flatMap(Effect.flatMap(http.execute(request), check), (response) => response.json)
  )
}
