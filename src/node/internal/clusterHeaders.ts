/**
 * The headers the cluster's requests get as the dispatcher sends them: `Authorization` from the
 * latest credentials, and impersonation (groups and extras as repeated header lines), in place of
 * any header of the same name the request holds.
 */

import type { Dispatcher } from "undici"
import type { Credentials, ResolvedConfig } from "../../config/KubeConfig.js"
import { authorizationHeader, groupedImpersonation } from "../../http/internal/headers.js"

/** Header values as undici's dispatch options hold them. */
export type HeaderValue = string | Array<string> | undefined

/** The cluster's headers for each set of credentials; the impersonation part is computed once. */
export const clusterHeaders = (
  config: ResolvedConfig
): ((creds: Credentials) => Record<string, string | Array<string>>) => {
  const impersonation: Record<string, Array<string>> = config.impersonate === undefined
    ? {}
    : Object.fromEntries(
        Array.from(groupedImpersonation(config.impersonate), ([name, values]) => [name, [...values]])
      )
  return (creds) => {
    const authorization = authorizationHeader(creds)
    return authorization === undefined ? { ...impersonation } : { ...impersonation, authorization }
  }
}

/** The request's headers with `set` in place of any header of the same name (in any case). */
export const setHeaders = (
  input: Dispatcher.DispatchOptions["headers"],
  set: Readonly<Record<string, string | Array<string>>>
): Record<string, HeaderValue> => {
  // Plain loops: this runs for every request to the cluster.
  const out: Record<string, HeaderValue> = {}
  if (Array.isArray(input)) {
    // The flat form: name, value, name, value, ...
    for (let i = 0; i + 1 < input.length; i += 2) {
      const name = input[i]
      const value = input[i + 1]
      if (typeof name === "string" && typeof value === "string" && !(name.toLowerCase() in set)) {
        const previous = out[name]
        out[name] =
          previous === undefined ? value : [...(typeof previous === "string" ? [previous] : previous), value]
      }
    }
  } else if (input !== null && input !== undefined) {
    if (isIterable<readonly [string, HeaderValue]>(input)) {
      for (const [name, value] of input) if (!(name.toLowerCase() in set)) out[name] = value
    } else {
      const names = Object.keys(input)
      for (let i = 0; i < names.length; i++) {
        const name = names[i]
        if (name !== undefined && !(name.toLowerCase() in set)) out[name] = input[name]
      }
    }
  }
  for (const name in set) out[name] = set[name]
  return out
}

const isIterable = <A>(value: object): value is Iterable<A> => Symbol.iterator in value
