/**
 * The cluster's `HttpClient` over undici: @effect/platform's undici client where spans are
 * recorded, a lean one of its own where they are not.
 *
 * Measured (bench, 1,000 gets at concurrency 50 on loopback): undici alone 0.9x a bare `node:http`
 * get, @effect/platform's client 2.7x, of which its span per request ~0.6x and the rest its
 * generic machinery (an AbortController, a FinalizationRegistry entry and a wrapper per response).
 * When the fiber's tracer is Effect's default one (spans that go nowhere) or tracing is off, a
 * request takes the lean path: undici's `request` through `Effect.tryPromise` (interruption aborts
 * it), a response reading undici's body directly (~1.3x). With a tracer installed (e.g.
 * @effect/opentelemetry), or for a body the lean path does not send (a stream, form data), the
 * platform's client serves the request, with its `http.client` span and trace propagation.
 *
 * A body never read is aborted when its response is garbage-collected (as the platform does), so
 * that its connection is not held for ever.
 */

import type { Readable } from "node:stream"
import {
  Cookies,
  Headers,
  HttpClient,
  HttpClientError,
  type HttpClientRequest,
  HttpClientResponse,
  HttpIncomingMessage,
  UrlParams
} from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Context, Duration, Effect, Either, Inspectable, Option, Stream } from "effect"
import { identity } from "effect/Function"
import type { Dispatcher } from "undici"
import * as BodyIdleTimeout from "../../http/BodyIdleTimeout.js"
import { noResponseWithin } from "../../http/internal/timeouts.js"
import { spansSeenBy } from "../../internal/tracing.js"
import { bodyStream } from "./bodyStream.js"
import { isUndiciError } from "./timeout.js"

/** The body the lean path sends as it is; undefined for one it leaves to the platform's client. */
const plainBody = (request: HttpClientRequest.HttpClientRequest): Uint8Array | string | null | undefined => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return null
    case "Uint8Array":
      return body.body
    case "Raw":
      return body.body instanceof Uint8Array || typeof body.body === "string" ? body.body : undefined
    default:
      return undefined
  }
}

// A response whose body was never read: its request is aborted once the response is collected.
const unread = new FinalizationRegistry<Readable>((body) => {
  if (!body.destroyed) body.destroy()
})

/**
 * The `HttpClient` over an undici dispatcher: lean where no span would be seen, the platform's
 * (spans, propagation) otherwise. undici's headers timeout (the response timeout, set by the
 * cluster's dispatcher) fails as KubeHttpClient's own timeout does: "no response within `timeout`".
 */
export const makeClient = (dispatcher: Dispatcher, timeout: Duration.Duration): HttpClient.HttpClient => {
  const platform = NodeHttpClient.makeUndici(dispatcher)
  const timedOut = (error: HttpClientError.RequestError) =>
    isUndiciError(error.cause, "UND_ERR_HEADERS_TIMEOUT") ? noResponseWithin(error.request, timeout) : error
  const traced = (request: HttpClientRequest.HttpClientRequest) =>
    Effect.mapError(platform.execute(request), (error) =>
      error._tag === "RequestError" ? timedOut(error) : error
    )
  return HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (requestEffect) =>
      Effect.flatMap(requestEffect, (request) => {
        const body = plainBody(request)
        if (body === undefined) return traced(request)
        // One fiber step reads both what decides the path and the idle limit asked of the body.
        return Effect.withFiberRuntime<
          HttpClientResponse.HttpClientResponse,
          HttpClientError.HttpClientError
        >((fiber) =>
          spansSeenBy(fiber)
            ? traced(request)
            : send(
                dispatcher,
                request,
                body,
                Context.get(fiber.currentContext, BodyIdleTimeout.BodyIdleTimeout),
                timedOut
              )
        )
      }),
    Effect.succeed
  )
}

const send = (
  dispatcher: Dispatcher,
  request: HttpClientRequest.HttpClientRequest,
  body: Uint8Array | string | null,
  idle: Option.Option<BodyIdleTimeout.Request>,
  failure: (error: HttpClientError.RequestError) => HttpClientError.RequestError
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError> => {
  const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
  if (Either.isLeft(url)) {
    return Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: url.left }))
  }
  const target = url.right
  // An idle limit asked of the body: undici's body timeout enforces it (one timer per connection,
  // stopped while the reader is behind), and the asker is told so.
  const idleLimit = Option.getOrUndefined(idle)
  if (idleLimit !== undefined) idleLimit.enforced = true
  return Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume) => {
    const signal = new Aborter()
    dispatcher.request(
      {
        signal,
        method: request.method,
        headers: request.headers,
        origin: target.origin,
        path: target.pathname + target.search + target.hash,
        body,
        // As the platform's client, the response timeout is the caller's (the cluster's
        // dispatcher sets it); the body has the idle limit asked of it, else none.
        headersTimeout: 60 * 60 * 1000,
        bodyTimeout: idleLimit === undefined ? 0 : Math.max(1, Duration.toMillis(idleLimit.idle))
      },
      (error, data) =>
        resume(
          error === null
            ? Effect.succeed(new UndiciResponse(request, data, idleLimit?.idle))
            : Effect.fail(
                failure(new HttpClientError.RequestError({ request, reason: "Transport", cause: error }))
              )
        )
    )
    // Interrupted: the request is aborted (its body destroyed, if the answer came meanwhile).
    return Effect.sync(() => signal.abort())
  })
}

/**
 * A one-shot abort signal in the EventEmitter shape undici accepts: an `AbortController` and its
 * listener cost more than the rest of a request's bookkeeping.
 */
class Aborter {
  aborted = false
  readonly reason = undefined
  #listeners: Array<() => void> = []
  on(_event: "abort", listener: () => void): this {
    this.#listeners.push(listener)
    return this
  }
  once(event: "abort", listener: () => void): this {
    return this.on(event, listener)
  }
  removeListener(_event: "abort", listener: () => void): this {
    this.#listeners = this.#listeners.filter((l) => l !== listener)
    return this
  }
  abort(): void {
    if (this.aborted) return
    this.aborted = true
    for (const listener of this.#listeners) listener()
    this.#listeners = []
  }
}

const ignore = () => {}

// Whole bodies only (no `stream` option): one decoder serves every response.
const utf8 = new TextDecoder()

const parseJson = (text: string): unknown => (text === "" ? null : JSON.parse(text))

/** A response reading undici's body directly. */
class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly #source: Dispatcher.ResponseData
  #headers: Headers.Headers | undefined
  #text: Promise<string> | undefined

  readonly #idle: Duration.Duration | undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    source: Dispatcher.ResponseData,
    idle: Duration.Duration | undefined
  ) {
    super()
    this.#source = source
    this.#idle = idle
    // An error of a body nobody reads (a reset) must not be an unhandled 'error' event.
    source.body.on("error", ignore)
    unread.register(this, source.body, this)
  }

  #failure = (cause: unknown): HttpClientError.ResponseError =>
    new HttpClientError.ResponseError({
      request: this.request,
      response: this,
      reason: "Decode",
      // undici's body timeout, when an idle limit was asked: the cause BodyIdleTimeout promises.
      cause:
        this.#idle !== undefined && isUndiciError(cause, "UND_ERR_BODY_TIMEOUT")
          ? BodyIdleTimeout.timeoutCause(this.#idle)
          : cause
    })

  /**
   * Reads the body once with `read`, then `then` of what it read (in the same step: a failure of
   * either is a `ResponseError`); interruption destroys the body (aborting the request).
   */
  #read<A, B>(
    read: (body: Dispatcher.ResponseData["body"]) => Promise<A>,
    then: (value: A) => B
  ): Effect.Effect<B, HttpClientError.ResponseError> {
    return Effect.async<B, HttpClientError.ResponseError>((resume) => {
      unread.unregister(this)
      const body = this.#source.body
      let reading: Promise<A>
      try {
        reading = read(body)
      } catch (cause) {
        // undici throws at once for a body read before (an assertion): a failure all the same.
        resume(Effect.fail(this.#failure(cause)))
        return
      }
      reading.then(
        (value) => {
          let result: B
          try {
            result = then(value)
          } catch (cause) {
            return resume(Effect.fail(this.#failure(cause)))
          }
          resume(Effect.succeed(result))
        },
        (cause: unknown) => resume(Effect.fail(this.#failure(cause)))
      )
      // Interrupted: the body is destroyed (aborting the request).
      return Effect.sync(() => body.destroy())
    })
  }

  get status(): number {
    return this.#source.statusCode
  }
  get headers(): Headers.Headers {
    this.#headers ??= Headers.fromInput(this.#source.headers)
    return this.#headers
  }
  get cookies(): Cookies.Cookies {
    const header = this.#source.headers["set-cookie"]
    if (header === undefined) return Cookies.empty
    return Cookies.fromSetCookie(Array.isArray(header) ? header : [header])
  }
  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.suspend(() => {
      unread.unregister(this)
      // Destroyed when the stream ends or is interrupted (aborting the request).
      return bodyStream(this.#source.body, this.#failure)
    })
  }
  // Read once: `json` after `text` (or twice) sees the same text.
  #readText = (body: Dispatcher.ResponseData["body"]): Promise<string> => {
    this.#text ??= body.text()
    return this.#text
  }

  /**
   * The whole body as text when all of it is already here — a `content-length` body whose bytes
   * are all buffered, as a small answer's are by the time its headers are handed over — read at
   * once, without waiting for the stream's end; else undefined (the body is left as it is).
   */
  #textNow(): string | undefined {
    if (this.#text !== undefined) return undefined
    const body = this.#source.body
    // An empty body (or one whose end was already emitted: nothing was in it, or it would have
    // been read): "" at once. undici's own read of a body whose end it already emitted throws from
    // a microtask (consumeStart calls consumeEnd with no `this`), where no caller can catch it.
    if (this.#source.headers["content-length"] === "0" || body.readableEnded) {
      unread.unregister(this)
      this.#text = Promise.resolve("")
      return ""
    }
    const length = Number(this.#source.headers["content-length"])
    if (!(length > 0) || body.readableLength !== length) return undefined
    const bytes: unknown = body.read()
    if (!(bytes instanceof Uint8Array)) return undefined
    if (bytes.length !== length) {
      // Not all of it after all: given back, for the stream's end to be awaited.
      body.unshift(bytes)
      return undefined
    }
    unread.unregister(this)
    const text = utf8.decode(bytes)
    this.#text = Promise.resolve(text)
    return text
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.suspend(() => {
      const now = this.#textNow()
      return now === undefined ? this.#read(this.#readText, identity) : Effect.succeed(now)
    })
  }
  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.suspend(() => {
      const now = this.#textNow()
      return now === undefined
        ? this.#read(this.#readText, parseJson)
        : Effect.try({ try: () => parseJson(now), catch: this.#failure })
    })
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return this.#read((body) => body.arrayBuffer(), identity)
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({ try: () => UrlParams.fromInput(new URLSearchParams(text)), catch: this.#failure })
    )
  }
  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    // Through a web Response (undici's own FormData is another class than the global one).
    return Effect.flatMap(this.arrayBuffer, (bytes) =>
      Effect.tryPromise({
        try: () => new Response(bytes, { headers: this.headers }).formData(),
        catch: this.#failure
      })
    )
  }
  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}
