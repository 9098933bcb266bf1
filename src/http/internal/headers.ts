/**
 * The cluster's request headers, shared by the generic transport wrapper (`KubeHttpClient`) and
 * the Node transport: the `Authorization` header of the credentials and the impersonation headers.
 *
 * @internal
 */
import { Encoding, Redacted } from "effect"
import type { Credentials, Impersonation } from "../../config/KubeConfig.js"

/** The `Authorization` header value of the credentials (bearer token or basic auth), if any. */
export const authorizationHeader = (creds: Credentials): string | undefined => {
  if (creds.token !== undefined) return `Bearer ${Redacted.value(creds.token)}`
  if (creds.basic !== undefined) {
    return `Basic ${Encoding.encodeBase64(`${creds.basic.username}:${Redacted.value(creds.basic.password)}`)}`
  }
  return undefined
}

/** The impersonation headers, one entry per header line (groups and extras repeat their header). */
export const impersonationHeaders = (imp: Impersonation): ReadonlyArray<readonly [string, string]> => {
  const out: Array<readonly [string, string]> = []
  if (imp.user !== undefined) out.push(["impersonate-user", imp.user])
  if (imp.uid !== undefined) out.push(["impersonate-uid", imp.uid])
  for (const g of imp.groups) out.push(["impersonate-group", g])
  for (const [key, values] of Object.entries(imp.extra)) {
    for (const v of values) out.push([`impersonate-extra-${encodeURIComponent(key).toLowerCase()}`, v])
  }
  return out
}

/** The impersonation headers grouped by name, in order: the values of each repeated header. */
export const groupedImpersonation = (imp: Impersonation): ReadonlyMap<string, ReadonlyArray<string>> => {
  const grouped = new Map<string, Array<string>>()
  for (const [name, value] of impersonationHeaders(imp)) {
    const values = grouped.get(name)
    if (values === undefined) grouped.set(name, [value])
    else values.push(value)
  }
  return grouped
}
