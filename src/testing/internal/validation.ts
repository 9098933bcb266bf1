/**
 * What the server checks of an object before it stores it: its name, as the apiserver words the
 * 422 Invalid answers.
 *
 * @internal
 */
import type { ResourceInfo } from "../../resource/Resource.js"
import { status } from "./responses.js"

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

/** The 422 of an object without name nor generateName. */
export const nameRequired = (info: ResourceInfo) =>
  status(
    422,
    "Invalid",
    `${info.kind} "" is invalid: metadata.name: Required value: name or generateName is required`
  )

/** The 422 of an invalid name (not an RFC 1123 subdomain), or `undefined` when it is valid. */
export const validateName = (info: ResourceInfo, name: string): Response | undefined => {
  if (name === "" || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    const message = `${info.kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`
    return status(422, "Invalid", message, {
      name,
      group: info.group,
      kind: info.kind,
      causes: [{ reason: "FieldValueInvalid", message: `Invalid value: "${name}"`, field: "metadata.name" }]
    })
  }
  return undefined
}
