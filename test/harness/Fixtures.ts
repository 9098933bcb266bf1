/**
 * Objects and configurations the tests share.
 */
import { Effect, Redacted } from "effect"
import type { KubeConfig } from "../../src/index.js"
import type * as apps from "../../src/models/apps/v1.js"
import type * as core from "../../src/models/core/v1.js"

export const configMap = (
  name: string,
  data: Record<string, string> = {},
  labels: Record<string, string> = {}
): core.ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labels },
  data
})

/** A Deployment of one `web` container with an env var (for strategic-merge checks). */
export const deployment = (name: string, replicas = 1): apps.Deployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "web", image: "nginx", env: [{ name: "A", value: "1" }] }] }
    }
  }
})

/** A pod on a node, with the given containers. */
export const podOn = (nodeName: string, name: string, containers: ReadonlyArray<string>): core.Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: { nodeName, containers: containers.map((c) => ({ name: c, image: "busybox" })) }
})

/** A resolved configuration for a test server, bearer token `t`, namespace `ns`. */
export const resolvedConfig = (
  server = "https://k8s.test",
  overrides: Partial<KubeConfig.ResolvedConfig> = {}
): KubeConfig.ResolvedConfig => ({
  source: "test",
  cluster: { server, insecureSkipTlsVerify: false, disableCompression: false },
  namespace: "ns",
  credentials: Effect.succeed({ token: Redacted.make("t") }),
  invalidateCredentials: Effect.void,
  refreshable: false,
  ...overrides
})
