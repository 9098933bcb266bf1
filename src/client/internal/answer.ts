/**
 * An answer checked for the verb of the operation it belongs to: counted (`Metrics.requests`, tags
 * `verb` and `code`), its status code set on the current span, an error status turned into the
 * `ApiError` with the server's `Status`. One fiber step, no context change: this is on every request.
 */
import {
  HttpClient,
  type HttpClientError,
  type HttpClientRequest,
  type HttpClientResponse
} from "@effect/platform"
import { Context, Effect, type Fiber, FiberRef, type Metric } from "effect"
import * as ApiError from "../../http/ApiError.js"
import * as metricKeys from "../../http/internal/metricKeys.js"
import { annotateAddressed, recordedSpan } from "./operation.js"
import { report } from "./warnings.js"

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

/** The answer counted under `verb` and its status code set on the operation's span (if recorded). */
const count = (fiber: Fiber.RuntimeFiber<unknown, unknown>, verb: string, status: number): void => {
  requestsOf(verb, status).unsafeUpdate(1, fiber.getFiberRef(FiberRef.currentMetricLabels))
  recordedSpan(fiber)?.attribute("http.response.status_code", status)
}

/** The response when its status is a success, else its `ApiError`; counted under `verb`. */
export const checkedAs =
  (verb: string) =>
  (
    response: HttpClientResponse.HttpClientResponse
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, ApiError.ApiError> =>
    Effect.withFiberRuntime((fiber) => {
      count(fiber, verb, response.status)
      const answer = response.status >= 400 ? ApiError.fromResponse(response) : Effect.succeed(response)
      const warned = report(response.headers, response.request.method, response.request.url)
      return warned === undefined ? answer : Effect.zipRight(warned, answer)
    })

/** What a call addresses, for its operation's span. */
export interface Addressed {
  readonly namespace: string | undefined
  readonly name: string | undefined
}

/**
 * Sends a request in the current operation and reads the JSON of a successful answer, counted under
 * `verb`; the operation's span (if one is recorded) is annotated with what the call addresses. A
 * few fiber steps: every verb goes through here.
 */
export const jsonAs = (
  verb: string,
  request: HttpClientRequest.HttpClientRequest,
  addressed?: Addressed
): Effect.Effect<unknown, ApiError.ApiError | HttpClientError.HttpClientError, HttpClient.HttpClient> =>
  Effect.withFiberRuntime((fiber) => {
    if (addressed !== undefined) annotateAddressed(fiber, addressed.namespace, addressed.name)
    // The service the Effect's type requires (as Effect's own service lookup reads it).
    const http = Context.unsafeGet(fiber.currentContext, HttpClient.HttpClient)
    return Effect.flatMap(
      http.execute(request),
      (response): Effect.Effect<unknown, ApiError.ApiError | HttpClientError.HttpClientError> => {
        count(fiber, verb, response.status)
        const answer: Effect.Effect<unknown, ApiError.ApiError | HttpClientError.HttpClientError> =
          response.status >= 400 ? ApiError.fromResponse(response) : response.json
        const warned = report(response.headers, request.method, request.url)
        return warned === undefined ? answer : Effect.zipRight(warned, answer)
      }
    )
  })
