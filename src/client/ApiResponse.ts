/**
 * The one place where an answer becomes a value or a typed error: an error status is an `ApiError`
 * carrying the server's `Status` (decoded with the generated `Status` Schema), a body that is not the
 * expected kind a `ParseError`.
 *
 * @since 0.1.0
 */
import {
  HttpClient,
  type HttpClientError,
  type HttpClientRequest,
  type HttpClientResponse
} from "@effect/platform"
import { Effect, Either, type ParseResult } from "effect"
import type * as ApiError from "../http/ApiError.js"
import * as Resource from "../resource/Resource.js"
import { checkedAs } from "./internal/answer.js"

/**
 * The response when its status is a success, else its `ApiError` (the body read for the `Status`).
 * The answer is counted (`Metrics.requests`, verb `request`; the library's own operations count
 * theirs under their verb) and its status code set on the current span.
 *
 * @example
 * ```ts
 * import { HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { ApiResponse } from "effect-kube"
 *
 * const version = Effect.flatMap(HttpClient.HttpClient, (http) => http.get("/version")).pipe(
 *   Effect.flatMap(ApiResponse.checked)
 * )
 * ```
 *
 * @since 0.1.0
 * @category checks
 */
export const checked: (
  response: HttpClientResponse.HttpClientResponse
) => Effect.Effect<HttpClientResponse.HttpClientResponse, ApiError.ApiError> = checkedAs("request")

/**
 * Sends a request and checks the answer ({@link checked}); the body is left to read (or stream).
 *
 * @example
 * ```ts
 * import { HttpClientRequest } from "@effect/platform"
 * import { ApiResponse } from "effect-kube"
 *
 * const response = ApiResponse.execute(HttpClientRequest.get("/api/v1/namespaces"))
 * ```
 *
 * @since 0.1.0
 * @category sending
 */
export const execute = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<
  HttpClientResponse.HttpClientResponse,
  ApiError.ApiError | HttpClientError.HttpClientError,
  HttpClient.HttpClient
> => Effect.flatMap(HttpClient.HttpClient, (http) => Effect.flatMap(http.execute(request), checked))

/**
 * Sends a request and reads the JSON of a successful answer.
 *
 * @example
 * ```ts
 * import { HttpClientRequest } from "@effect/platform"
 * import { ApiResponse } from "effect-kube"
 *
 * const body = ApiResponse.json(HttpClientRequest.get("/version"))
 * ```
 *
 * @since 0.1.0
 * @category sending
 */
export const json = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<unknown, ApiError.ApiError | HttpClientError.HttpClientError, HttpClient.HttpClient> =>
  Effect.flatMap(execute(request), (response) => response.json)

/**
 * Decodes the JSON of an answer as an object of a kind (trusted: the server's own output, only its
 * shape checked; `apiVersion`/`kind` filled in when a list item lacks them).
 *
 * @example
 * ```ts
 * import { HttpClientRequest } from "@effect/platform"
 * import { Effect } from "effect"
 * import { ApiResponse } from "effect-kube"
 * import { Namespace } from "effect-kube/models/core/v1"
 *
 * const apps = ApiResponse.json(HttpClientRequest.get("/api/v1/namespaces/apps")).pipe(
 *   Effect.flatMap(ApiResponse.decode(Namespace))
 * )
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode =
  <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
    resource: Resource.Resource<A, N, S, I>
  ) =>
  (json: unknown): Effect.Effect<A, ParseResult.ParseError> => {
    const decoded = Resource.decodeTrusted(resource, json)
    return Either.isRight(decoded) ? Effect.succeed(decoded.right) : Effect.fail(decoded.left)
  }
