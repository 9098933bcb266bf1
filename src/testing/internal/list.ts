/**
 * Lists: the objects of a kind (in one namespace or all) that match the request's selectors, in
 * key order, a page at a time with continue tokens (which expire with the history: 410).
 *
 * @internal
 */
import type { ResourceInfo } from "../../resource/Resource.js"
import { isObject } from "./patch.js"
import { json, status } from "./responses.js"
import {
  parseFieldSelector,
  parseLabelSelector,
  type Selection,
  selects,
  unsupportedField
} from "./selectors.js"
import { objectKey, resourceKey, type Store, type Stored } from "./store.js"

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

/** The key prefix of a kind's objects in a namespace (or in all). */
const prefixOf = (info: ResourceInfo, namespace: string | undefined) =>
  namespace === undefined ? `${resourceKey(info)}/` : `${resourceKey(info)}/${namespace}/`

/** The stored objects of a kind (in a namespace, or all) that the selection matches, by key. */
export const matching = (
  store: Store,
  info: ResourceInfo,
  namespace: string | undefined,
  selection: Selection
): Array<[string, Stored]> => {
  const out: Array<[string, Stored]> = []
  for (const entry of store.scan(resourceKey(info), prefixOf(info, namespace), "")) {
    if (selects(selection, entry[1].object)) out.push(entry)
  }
  return out
}

/** A continue token: the version the list was read at and the last key sent. */
interface Continue {
  rv: number
  after: string
}

const encodeContinue = (token: Continue) => Buffer.from(JSON.stringify(token)).toString("base64url")

const decodeContinue = (token: string): Continue | undefined => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"))
    return isObject(parsed) && typeof parsed.rv === "number" && typeof parsed.after === "string"
      ? { rv: parsed.rv, after: parsed.after }
      : undefined
  } catch {
    return undefined
  }
}

/**
 * A list, as the apiserver reads one from etcd: a page holds at most `limit` matching objects and
 * has a continue token when any object (matching or not) follows its last one; later pages are
 * read at the version of the first (the changes since undone from the history, 410 once it is
 * compacted), and without selectors the count of the objects left (`remainingItemCount`). A page
 * costs the keys it reads, not the objects stored. A field selector naming one
 * object (`metadata.name=`) in a namespace reads that object only, without pages.
 */
export const list = (
  store: Store,
  info: ResourceInfo,
  namespace: string | undefined,
  q: URLSearchParams
): Response => {
  const sel = selectionOf(info, q)
  if (sel instanceof Response) return sel
  const answer = (items: ReadonlyArray<Stored>, rv: number, next?: string, remaining?: number) =>
    json(200, {
      kind: info.listKind,
      apiVersion: info.apiVersion,
      metadata: {
        resourceVersion: String(rv),
        ...(next !== undefined ? { continue: next } : {}),
        ...(remaining !== undefined ? { remainingItemCount: remaining } : {})
      },
      items: items.map((s) => s.object)
    })
  const token = q.get("continue") ?? ""
  const single = sel.fields.find((f) => f.key === "metadata.name" && f.op === "=")
  if (token === "" && single !== undefined && (namespace !== undefined || !info.namespaced)) {
    const stored = store.get(objectKey(info, namespace, single.value))
    return answer(stored !== undefined && selects(sel, stored.object) ? [stored] : [], store.version)
  }
  let listRv = store.version
  let after = ""
  let at: number | undefined
  if (token !== "") {
    const parsed = decodeContinue(token)
    if (parsed === undefined) return status(400, "BadRequest", "invalid continue token")
    // (The history still holds every change after the version: as a watch from it.)
    if (parsed.rv < store.compactedBelow - 1) {
      return status(
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."
      )
    }
    listRv = parsed.rv
    after = parsed.after
    at = parsed.rv
  }
  const limit = Number(q.get("limit") ?? "0")
  const items: Array<Stored> = []
  let last = ""
  for (const [key, stored] of store.scan(resourceKey(info), prefixOf(info, namespace), after, at)) {
    // A full page with an object after it: the next page starts after the last one sent.
    if (limit > 0 && items.length >= limit) {
      // Without selectors, how many objects the next pages hold (as etcd counts them).
      const remaining =
        sel.labels.length === 0 && sel.fields.length === 0
          ? store.countAfter(resourceKey(info), prefixOf(info, namespace), last, at)
          : undefined
      return answer(items, listRv, encodeContinue({ rv: listRv, after: last }), remaining)
    }
    last = key
    if (selects(sel, stored.object)) items.push(stored)
  }
  return answer(items, listRv)
}
