/**
 * effect-kube: a Kubernetes API client for TypeScript, built on Effect.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as ApiError from "./ApiError.js"
/** @since 0.1.0 */
export * as Client from "./Client.js"
/** @since 0.1.0 */
export * as Codec from "./Codec.js"
/** @since 0.1.0 */
export * as Conditions from "./Conditions.js"
/** @since 0.1.0 */
export * as ConfigError from "./ConfigError.js"
/** @since 0.1.0 */
export * as ExecCredential from "./ExecCredential.js"
/** @since 0.1.0 */
export * as InMemoryCluster from "./InMemoryCluster.js"
/** @since 0.1.0 */
export * as InvalidRequest from "./InvalidRequest.js"
/** @since 0.1.0 */
export * as KubeConfig from "./KubeConfig.js"
/** @since 0.1.0 */
export * as KubeConfigFile from "./KubeConfigFile.js"
/** @since 0.1.0 */
export * as KubeHttpClient from "./KubeHttpClient.js"
/** @since 0.1.0 */
export * as KubeWebSocket from "./KubeWebSocket.js"
/** @since 0.1.0 */
export * as PodExec from "./PodExec.js"
/** @since 0.1.0 */
export * as PodLog from "./PodLog.js"
/** @since 0.1.0 */
export * as Primitives from "./Primitives.js"
/** @since 0.1.0 */
export * as Quantity from "./Quantity.js"
/** @since 0.1.0 */
export * as Registry from "./Registry.js"
/** @since 0.1.0 */
export * as Resource from "./Resource.js"
/** @since 0.1.0 */
export * as Selector from "./Selector.js"
/** @since 0.1.0 */
export * as Wait from "./Wait.js"
/** @since 0.1.0 */
export * as Watch from "./Watch.js"
