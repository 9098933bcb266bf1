/**
 * Objects as their metadata alone: the answer to `Accept: application/json;as=PartialObjectMetadata;
 * g=meta.k8s.io;v=v1` (one object, watch events) and `as=PartialObjectMetadataList` (lists), as
 * the apiserver gives it.
 *
 * @internal
 */

type Form = "PartialObjectMetadata" | "PartialObjectMetadataList"

/** The form an `Accept` header asks for, if it asks for one. */
export const formOf = (accept: string | undefined): Form | undefined => {
  if (accept === undefined) return undefined
  const first = accept.split(",")[0] ?? ""
  if (!/(^|;)\s*g=meta\.k8s\.io\s*(;|$)/.test(first)) return undefined
  const as = /(^|;)\s*as=([A-Za-z]+)\s*(;|$)/.exec(first)?.[2]
  return as === "PartialObjectMetadata" || as === "PartialObjectMetadataList" ? as : undefined
}

const isRecord = (u: unknown): u is { readonly [key: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const partial = (object: unknown): unknown =>
  isRecord(object) && object.kind !== "Status"
    ? { apiVersion: "meta.k8s.io/v1", kind: "PartialObjectMetadata", metadata: object.metadata ?? {} }
    : object

const convert = (body: unknown): unknown => {
  if (!isRecord(body) || body.kind === "Status") return body
  if (Array.isArray(body.items)) {
    return {
      apiVersion: "meta.k8s.io/v1",
      kind: "PartialObjectMetadataList",
      metadata: body.metadata ?? {},
      items: body.items.map(partial)
    }
  }
  return partial(body)
}

/**
 * A successful answer in that form: a JSON body converted (`body`), a watch's events converted
 * line by line (`events`), or dropped (`none`: a watch asked for as a list).
 */
export const represent = async (response: Response, what: "body" | "events" | "none"): Promise<Response> => {
  if (response.status >= 300 || response.body === null) return response
  const headers = { "content-type": "application/json" }
  if (what === "body") {
    const text = await response.text()
    return new Response(JSON.stringify(convert(JSON.parse(text))), { status: response.status, headers })
  }
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  let rest = ""
  const lines = new TransformStream<Uint8Array, Uint8Array>({
    transform: (chunk, controller) => {
      const parts = (rest + decoder.decode(chunk, { stream: true })).split("\n")
      rest = parts.pop() ?? ""
      for (const line of parts) {
        if (line === "") continue
        if (what === "none") continue
        const event: unknown = JSON.parse(line)
        const converted = isRecord(event) ? { ...event, object: partial(event.object) } : event
        controller.enqueue(encoder.encode(`${JSON.stringify(converted)}\n`))
      }
    }
  })
  return new Response(response.body.pipeThrough(lines), { status: response.status, headers })
}
