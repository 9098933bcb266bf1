/**
 * The PEMs of a configuration: the cluster's certificate authority and the user's client
 * certificate and key, each from its inline `-data` field (base64) or else its file.
 *
 * @internal
 */
import type { FileSystem } from "@effect/platform"
import { Effect, Redacted } from "effect"
import type { ConfigError } from "../ConfigError.js"
import type { Selection } from "./contexts.js"
import { configError } from "./errors.js"
import { decodeBase64, readText } from "./text.js"

export interface Certificates {
  /** PEM of the certificate authority. */
  readonly certificateAuthority: string | undefined
  /** PEM of the client certificate and its key, both redacted. */
  readonly clientCertificate:
    | { readonly cert: Redacted.Redacted<string>; readonly key: Redacted.Redacted<string> }
    | undefined
}

/** The field's inline data when set, else its file when set, else nothing. */
const pem = (
  fs: FileSystem.FileSystem,
  data: string | undefined,
  file: string | undefined,
  field: string,
  selection: Selection
): Effect.Effect<string | undefined, ConfigError> => {
  if (data !== undefined && data !== "") return decodeBase64(data, `${field}-data`, selection.where)
  if (file !== undefined && file !== "") return readText(fs, file, field, selection.contextName)
  return Effect.succeed(undefined)
}

/** Reads the certificate authority, then the client certificate, then its key. */
export const load = (fs: FileSystem.FileSystem, selection: Selection) =>
  Effect.gen(function* () {
    const { cluster, context, user } = selection
    const certificateAuthority = yield* pem(
      fs,
      cluster["certificate-authority-data"],
      cluster["certificate-authority"],
      "certificate-authority",
      selection
    )
    const clientCert = yield* pem(
      fs,
      user["client-certificate-data"],
      user["client-certificate"],
      "client-certificate",
      selection
    )
    const clientKey = yield* pem(fs, user["client-key-data"], user["client-key"], "client-key", selection)
    if ((clientCert === undefined) !== (clientKey === undefined)) {
      return yield* Effect.fail(
        configError(
          "InvalidConfig",
          `user "${context.user}" has a client ${clientCert === undefined ? "key" : "certificate"} without the matching ${clientCert === undefined ? "certificate" : "key"}`,
          selection.where
        )
      )
    }
    const certificates: Certificates = {
      certificateAuthority,
      clientCertificate:
        clientCert !== undefined && clientKey !== undefined
          ? { cert: Redacted.make(clientCert), key: Redacted.make(clientKey) }
          : undefined
    }
    return certificates
  })
