/**
 * The answers of the server: JSON bodies, and the failure `Status` bodies with the codes, reasons
 * and messages the apiserver uses.
 *
 * @internal
 */
import type { ResourceInfo } from "../../resource/Resource.js"

/** A JSON answer. */
export const json = (code: number, body: unknown) =>
  new Response(JSON.stringify(body), { status: code, headers: { "content-type": "application/json" } })

/** A failure `Status`. */
export const status = (
  code: number,
  reason: string,
  message: string,
  details?: {
    readonly name?: string
    readonly group?: string
    readonly kind?: string
    readonly causes?: ReadonlyArray<unknown>
  }
) =>
  json(code, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details !== undefined ? { details } : {}),
    code
  })

/** A failure without a reason (the apiserver's internal errors: 500). */
export const failure = (code: number, message: string) =>
  json(code, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, code })

/** A kind as messages name it: its plural, qualified by its group (`deployments.apps`). */
const qualified = (info: ResourceInfo) => `${info.plural}${info.group !== "" ? `.${info.group}` : ""}`

/** 404 for a path that names no resource. */
export const noSuchPath = () => status(404, "NotFound", "the server could not find the requested resource")

/** 405 for a verb the path does not serve. */
export const methodNotAllowed = () =>
  status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

/** 404 for an object that is not stored. */
export const notFound = (info: ResourceInfo, name: string) =>
  status(404, "NotFound", `${qualified(info)} "${name}" not found`, {
    name,
    group: info.group,
    kind: info.plural
  })

/** 409 for a create of a name that is taken. */
export const alreadyExists = (info: ResourceInfo, name: string) =>
  status(409, "AlreadyExists", `${qualified(info)} "${name}" already exists`, {
    name,
    group: info.group,
    kind: info.plural
  })

/** 409 for a write whose resourceVersion precondition is not the stored one. */
export const conflict = (info: ResourceInfo, name: string) =>
  status(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(info)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    {
      name,
      group: info.group,
      kind: info.plural
    }
  )

/**
 * 409 for a delete whose `preconditions` (uid, resourceVersion) the stored object does not meet,
 * worded as the apiserver's registry words it.
 */
export const preconditionFailed = (
  info: ResourceInfo,
  name: string,
  field: "UID" | "ResourceVersion",
  wanted: string,
  actual: string
) =>
  status(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${info.kind} "${name}": the ${field} in the precondition (${wanted}) does not match the ${field} in record (${actual}). The object might have been ${field === "UID" ? "deleted and then recreated" : "modified"}`,
    { name, group: info.group, kind: info.plural }
  )
