/**
 * The testing entry point of effect-kube (`effect-kube/testing`): the in-memory cluster, a layer that
 * serves the Kubernetes REST protocol from memory, to test programs without a cluster, and
 * `Eventually`, for assertions on what watches and controllers do a moment later.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Eventually from "./Eventually.js"
/** @since 0.1.0 */
export * as InMemoryCluster from "./InMemoryCluster.js"
