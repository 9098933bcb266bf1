/**
 * The cluster's TLS options for undici: its CA, the client certificate of the current
 * credentials, the server name, and verification (off only when the kubeconfig says so).
 */

import { Redacted } from "effect"
import type { Credentials, ResolvedConfig } from "../../config/KubeConfig.js"

/** TLS options as undici's connector and proxy agents take them. */
export interface TlsOptions {
  readonly ca?: string
  readonly cert?: string
  readonly key?: string
  readonly servername?: string
  readonly rejectUnauthorized: boolean
}

/** The TLS options for a configuration and the credentials of the moment. */
export const tlsOptions = (config: ResolvedConfig, creds: Credentials): TlsOptions => ({
  ...(config.cluster.certificateAuthority !== undefined ? { ca: config.cluster.certificateAuthority } : {}),
  ...(creds.clientCertificate !== undefined
    ? { cert: Redacted.value(creds.clientCertificate.cert), key: Redacted.value(creds.clientCertificate.key) }
    : {}),
  ...(config.cluster.tlsServerName !== undefined ? { servername: config.cluster.tlsServerName } : {}),
  rejectUnauthorized: !config.cluster.insecureSkipTlsVerify
})
