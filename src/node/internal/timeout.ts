/**
 * undici's errors by code. The response timeout of the Node transport is undici's `headersTimeout`
 * (set by the cluster's dispatcher); the transport (`undiciClient.ts`) gives its error the shape
 * KubeHttpClient's own timeout has (a `RequestError` whose cause is a `TimeoutException`), so that
 * callers and the retry policy see the same failure whichever enforces it.
 */

/** Whether an error is undici's of that code (`UND_ERR_HEADERS_TIMEOUT`, `UND_ERR_BODY_TIMEOUT`, ...). */
export const isUndiciError = (cause: unknown, code: string): boolean =>
  cause instanceof Error && "code" in cause && cause.code === code
