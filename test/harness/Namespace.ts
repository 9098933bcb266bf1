/**
 * Test isolation: each test works in a fresh namespace of its own, on the shared apiserver, with
 * a client whose default namespace is that one.
 */
import { Effect, Layer } from "effect"
import { Client, ClientDefaults, KubeConfig } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { NodeKube } from "../../src/node/index.js"

export const unique = (prefix: string): string => `${prefix}-${Math.random().toString(36).slice(2, 8)}`

/** A client of the kubeconfig at `file`, with client-wide defaults laid over it. */
export const clientLayer = (file: string, defaults: ClientDefaults.Defaults = {}) =>
  Layer.merge(NodeKube.layer({ config: KubeConfig.fromFile(file) }), ClientDefaults.layer(defaults))

/** Runs `body` with a fresh namespace (created for real, whatever the defaults say) as the default. */
export const inFreshNamespace =
  (file: string, prefix: string, defaults: ClientDefaults.Defaults = {}) =>
  <A, E>(body: (namespace: string) => Effect.Effect<A, E, Client.Requirements>) => {
    const namespace = unique(prefix)
    return Client.create(
      core.Namespace,
      { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
      { dryRun: false }
    ).pipe(Effect.zipRight(body(namespace)), Effect.provide(clientLayer(file, { ...defaults, namespace })))
  }
