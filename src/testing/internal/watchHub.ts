/**
 * Watches: each open watch is a subscriber that gets the changes of its kind, namespace and
 * selectors as they are recorded. A watch starts with the current objects (ADDED), or resumes from
 * a version out of the history (410 Gone when that version was compacted), and ends at its timeout
 * (with a bookmark when asked) or when the connection drops.
 *
 * @internal
 */
import type { ResourceInfo } from "../../resource/Resource.js"
import { matching, selectionOf } from "./list.js"
import { meta } from "./objects.js"
import type { JsonObject } from "./patch.js"
import { status } from "./responses.js"
import { type Selection, selects } from "./selectors.js"
import { type Event, resourceKey, type Store } from "./store.js"

interface Watcher {
  readonly resource: string
  readonly namespace: string | undefined
  readonly selection: Selection
  readonly send: (line: string) => void
  readonly fail: (error: Error) => void
  readonly end: () => void
}

/**
 * Sends a change to a watcher as the apiserver's watch does with selectors: an object that starts
 * to match is ADDED, one that stops matching is DELETED (its last matching state, at the version of
 * the change), one that matched before and after is MODIFIED, and one that matches neither is not
 * sent (apiserver/pkg/storage/cacher: cacheWatcher.convertToWatchEvent).
 */
const deliver = (w: Watcher, event: Event) => {
  if (w.resource !== event.resource) return
  const passes = (object: JsonObject | undefined) =>
    object !== undefined &&
    (w.namespace === undefined || meta(object).namespace === w.namespace) &&
    selects(w.selection, object)
  const now = event.type !== "DELETED" && passes(event.object)
  const before = event.type === "ADDED" ? false : passes(event.previous ?? event.object)
  const send = (type: Event["type"], object: JsonObject) => w.send(`${JSON.stringify({ type, object })}\n`)
  if (now && before) send("MODIFIED", event.object)
  else if (now) send("ADDED", event.object)
  else if (before) {
    const last = event.previous ?? event.object
    send("DELETED", { ...last, metadata: { ...meta(last), resourceVersion: String(event.rv) } })
  }
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>()

  constructor(private readonly store: Store) {
    store.listen((event) => {
      for (const w of this.watchers) deliver(w, event)
    })
  }

  /** Cuts every open watch connection (as a network failure). */
  dropAll() {
    for (const w of [...this.watchers]) w.fail(new Error("connection dropped (in-memory cluster fault)"))
    this.watchers.clear()
  }

  /** A watch request: its streamed answer, or the 400 of a selector that does not parse. */
  watch(
    info: ResourceInfo,
    namespace: string | undefined,
    q: URLSearchParams,
    signal: AbortSignal
  ): Response {
    const sel = selectionOf(info, q)
    if (sel instanceof Response) return sel
    const refused = refusedWatchOptions(q)
    if (refused !== undefined) return refused
    // A streaming list (WatchList, on by default since Kubernetes 1.32): the current state, then
    // the bookmark that ends it, then the changes.
    const streaming = q.get("sendInitialEvents") === "true"
    const store = this.store
    const from = q.get("resourceVersion")
    const timeout = Number(q.get("timeoutSeconds") ?? "0")
    const bookmarks = q.get("allowWatchBookmarks") === "true"
    const encoder = new TextEncoder()
    let watcher: Watcher | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    const cleanup = () => {
      if (watcher !== undefined) this.watchers.delete(watcher)
      if (timer !== undefined) clearTimeout(timer)
    }
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        let open = true
        const send = (line: string) => {
          if (open) controller.enqueue(encoder.encode(line))
        }
        const end = () => {
          if (!open) return
          open = false
          cleanup()
          controller.close()
        }
        watcher = {
          resource: resourceKey(info),
          namespace,
          selection: sel,
          send,
          end,
          fail: (error) => {
            if (!open) return
            open = false
            cleanup()
            controller.error(error)
          }
        }
        // The current objects, as ADDED events (a watch from no version, or a streaming list).
        const sendCurrent = () => {
          for (const [, s] of matching(store, info, namespace, sel)) {
            send(`${JSON.stringify({ type: "ADDED", object: s.object })}\n`)
          }
        }
        if (streaming) {
          sendCurrent()
          if (bookmarks) {
            send(
              `${JSON.stringify({ type: "BOOKMARK", object: { kind: info.kind, apiVersion: info.apiVersion, metadata: { resourceVersion: String(store.version), annotations: { "k8s.io/initial-events-end": "true" } } } })}\n`
            )
          }
        } else if (from !== null && from !== "" && from !== "0") {
          const since = Number(from)
          if (since < store.compactedBelow - 1) {
            send(
              `${JSON.stringify({ type: "ERROR", object: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `too old resource version: ${from} (${store.compactedBelow})`, reason: "Expired", code: 410 } })}\n`
            )
            end()
            return
          }
          for (const event of store.eventsAfter(since)) deliver(watcher, event)
        } else {
          sendCurrent()
        }
        this.watchers.add(watcher)
        if (timeout > 0) {
          timer = setTimeout(() => {
            if (bookmarks) {
              send(
                `${JSON.stringify({ type: "BOOKMARK", object: { kind: info.kind, apiVersion: info.apiVersion, metadata: { resourceVersion: String(store.version) } } })}\n`
              )
            }
            end()
          }, timeout * 1000)
        }
        signal.addEventListener("abort", () => {
          open = false
          cleanup()
        })
      },
      cancel: () => cleanup()
    })
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } })
  }
}

/**
 * The apiserver's checks of a watch's `sendInitialEvents` and `resourceVersionMatch` (422 Invalid
 * as apimachinery's `validateWatchOptions` gives them).
 */
const refusedWatchOptions = (q: URLSearchParams): Response | undefined => {
  const match = q.get("resourceVersionMatch") ?? ""
  const sendInitialEvents = q.get("sendInitialEvents")
  const causes: Array<{ readonly field: string; readonly message: string }> = []
  if (sendInitialEvents !== null && match !== "NotOlderThan") {
    causes.push({
      field: "resourceVersionMatch",
      message: "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
    })
  }
  if (match !== "") {
    if (sendInitialEvents === null) {
      causes.push({
        field: "resourceVersionMatch",
        message: "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"
      })
    }
    if (match !== "NotOlderThan") {
      causes.push({ field: "resourceVersionMatch", message: `Unsupported value: "${match}"` })
    }
  }
  if (causes.length === 0) return undefined
  return status(
    422,
    "Invalid",
    `ListOptions.meta.k8s.io "" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(", ")}`,
    {
      group: "meta.k8s.io",
      kind: "ListOptions",
      causes: causes.map((c) => ({ reason: "FieldValueForbidden", ...c }))
    }
  )
}
