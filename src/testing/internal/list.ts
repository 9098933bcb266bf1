/**
 * Lists: the objects of a kind (in one namespace or all) that match the request's selectors, in
 * key order, a page at a time with continue tokens (which expire with the history: 410).
 *
 * @internal
 */
import type { ResourceInfo } from "../../resource/Resource.js"
import { meta } from "./objects.js"
import { json, status } from "./responses.js"
import {
  parseFieldSelector,
  parseLabelSelector,
  type Selection,
  selects,
  unsupportedField
} from "./selectors.js"
import { resourceKey, type Store, type Stored } from "./store.js"

/** The request's `labelSelector` and `fieldSelector`, or the 400 when one does not parse. */
export const selectionOf = (info: ResourceInfo, q: URLSearchParams): Selection | Response => {
  const labels = parseLabelSelector(q.get("labelSelector") ?? "")
  if (labels === undefined)
    return status(400, "BadRequest", `unable to parse requirement: ${q.get("labelSelector")}`)
  const fields = parseFieldSelector(q.get("fieldSelector") ?? "")
  if (fields === undefined)
    return status(400, "BadRequest", `invalid field selector: ${q.get("fieldSelector")}`)
  // Custom resources: only the metadata fields too (their CRD's selectableFields aside).
  const unsupported = unsupportedField(info.group, info.plural, fields)
  if (unsupported !== undefined) return status(400, "BadRequest", `field label not supported: ${unsupported}`)
  return { labels, fields }
}

/** The stored objects of a kind (in a namespace, or all) that the selection matches, by key. */
export const matching = (
  store: Store,
  info: ResourceInfo,
  namespace: string | undefined,
  selection: Selection
): Array<[string, Stored]> => {
  const prefix = `${resourceKey(info)}/`
  return [...store.entries()]
    .filter(
      ([key, s]) =>
        key.startsWith(prefix) && (namespace === undefined || meta(s.object).namespace === namespace)
    )
    .filter(([, s]) => selects(selection, s.object))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/** A continue token: the version the list was read at and the last key sent. */
interface Continue {
  rv: number
  after: string
}

const encodeContinue = (token: Continue) => Buffer.from(JSON.stringify(token)).toString("base64url")

export const list = (
  store: Store,
  info: ResourceInfo,
  namespace: string | undefined,
  q: URLSearchParams
): Response => {
  const sel = selectionOf(info, q)
  if (sel instanceof Response) return sel
  let items = matching(store, info, namespace, sel)
  let listRv = store.version
  const token = q.get("continue")
  if (token !== null && token !== "") {
    let parsed: Continue
    try {
      parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"))
    } catch {
      return status(400, "BadRequest", "invalid continue token")
    }
    if (parsed.rv < store.compactedBelow) {
      return status(
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."
      )
    }
    listRv = parsed.rv
    items = items.filter(([key]) => key > parsed.after)
  }
  const limit = Number(q.get("limit") ?? "0")
  let next: string | undefined
  if (limit > 0 && items.length > limit) {
    items = items.slice(0, limit)
    const last = items[items.length - 1]?.[0] ?? ""
    next = encodeContinue({ rv: listRv, after: last })
  }
  return json(200, {
    kind: info.listKind,
    apiVersion: info.apiVersion,
    metadata: { resourceVersion: String(listRv), ...(next !== undefined ? { continue: next } : {}) },
    items: items.map(([, s]) => s.object)
  })
}
