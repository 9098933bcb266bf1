/**
 * Why a WebSocket upgrade (exec, attach, port-forward) was refused: the upgrade's own answer is
 * not readable through the WebSocket API, so the same request is sent again without upgrading and
 * its error answer read as an `ApiError` (a missing pod: 404; a pod without a node: 400).
 *
 * @internal
 */
import { HttpClient } from "@effect/platform"
import { Effect, Metric, Option } from "effect"
import * as ApiRequest from "../../client/ApiRequest.js"
import { checkedAs } from "../../client/internal/answer.js"
import * as ApiError from "../../http/ApiError.js"
import * as metricKeys from "../../http/internal/metricKeys.js"
import { KubeWebSocket } from "../../http/KubeWebSocket.js"

/**
 * Fails with the ApiError of `target` asked without upgrading; succeeds if it answers 2xx, or with
 * the proxy's "Upgrade request required" (the request reached the kubelet's proxy: that answer says
 * nothing about why the upgrade failed, the caller's own error is better).
 */
export const explainRefusal = (target: ApiRequest.Target) =>
  Effect.gen(function* () {
    // Untraced: an exec URL holds the command, which can hold a secret (a password in `sh -c`).
    const http = HttpClient.withTracerDisabledWhen(yield* HttpClient.HttpClient, () => true)
    const response = yield* http.execute(ApiRequest.toHttp(target)).pipe(Effect.option)
    if (Option.isNone(response)) return
    yield* checkedAs("create")(response.value).pipe(
      Effect.catchIf(
        (error) =>
          error._tag === "ApiError" &&
          error.code === 400 &&
          error.message.includes("Upgrade request required"),
        () => Effect.void
      )
    )
  })

/**
 * Opens the WebSocket of `target`, offering `protocols`: the upgraded connection is counted as an
 * answer (101, verb create); a refused upgrade is the `ApiError` of the server's own answer to it
 * (status and body, as the transport read them); a transport that cannot say (a test double) has
 * the request sent again without upgrading to read a Status (`explainRefusal`). A `Timeout` (no
 * answer to the upgrade) is left as it is.
 */
export const openUpgrade = (target: ApiRequest.Target, protocols: ReadonlyArray<string>) =>
  Effect.flatMap(KubeWebSocket, (webSocket) => webSocket.connect(target.path, target.query, protocols)).pipe(
    Effect.tap(() =>
      Metric.increment(
        metricKeys.counter(metricKeys.requests, [
          ["verb", "create"],
          ["code", "101"]
        ])
      )
    ),
    Effect.catchTag("WebSocketError", (error) =>
      error.status !== undefined
        ? // The server's own refusal (as kubectl's "unable to upgrade connection: ..."); the URL
          // without its query (an exec's command can hold a secret). A 401 is also asked through
          // the HttpClient, whose 401 refreshes the credentials for the next attempt.
          Effect.zipRight(
            error.status === 401 ? Effect.ignore(explainRefusal(target)) : Effect.void,
            Effect.fail(
              new ApiError.ApiError({
                status: ApiError.statusFromBody(error.status, error.answer ?? ""),
                method: "GET",
                url: target.path
              })
            )
          )
        : error.reason === "Connect"
          ? Effect.flatMap(explainRefusal(target), () => Effect.fail(error))
          : Effect.fail(error)
    )
  )
