/**
 * effect-kube: a Kubernetes API client for TypeScript, built on Effect.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as ApiProxy from "./client/ApiProxy.js"
/** @since 0.1.0 */
export * as ApiRequest from "./client/ApiRequest.js"
/** @since 0.1.0 */
export * as ApiResponse from "./client/ApiResponse.js"
/** @since 0.1.0 */
export * as Client from "./client/Client.js"
/** @since 0.1.0 */
export * as ClientDefaults from "./client/ClientDefaults.js"
/** @since 0.1.0 */
export * as Discovery from "./client/Discovery.js"
/** @since 0.1.0 */
export * as Warnings from "./client/Warnings.js"
/** @since 0.1.0 */
export * as ConfigError from "./config/ConfigError.js"
/** @since 0.1.0 */
export * as ExecCredential from "./config/ExecCredential.js"
/** @since 0.1.0 */
export * as KubeConfig from "./config/KubeConfig.js"
/** @since 0.1.0 */
export * as KubeConfigFile from "./config/KubeConfigFile.js"
/** @since 0.1.0 */
export * as ApiError from "./http/ApiError.js"
/** @since 0.1.0 */
export * as BodyIdleTimeout from "./http/BodyIdleTimeout.js"
/** @since 0.1.0 */
export * as KubeHttpClient from "./http/KubeHttpClient.js"
/** @since 0.1.0 */
export * as KubeWebSocket from "./http/KubeWebSocket.js"
/** @since 0.1.0 */
export * as Metrics from "./http/Metrics.js"
/** @since 0.1.0 */
export * as Builtin from "./kinds/Builtin.js"
/** @since 0.1.0 */
export * as Codec from "./kinds/Codec.js"
/** @since 0.1.0 */
export * as Registry from "./kinds/Registry.js"
/** @since 0.1.0 */
export * as InvalidRequest from "./resource/InvalidRequest.js"
/** @since 0.1.0 */
export * as Primitives from "./resource/Primitives.js"
/** @since 0.1.0 */
export * as Quantity from "./resource/Quantity.js"
/** @since 0.1.0 */
export * as Resource from "./resource/Resource.js"
/** @since 0.1.0 */
export * as Selector from "./resource/Selector.js"
/** @since 0.1.0 */
export * as Conditions from "./runtime/Conditions.js"
/** @since 0.1.0 */
export * as Controller from "./runtime/Controller.js"
/** @since 0.1.0 */
export * as EventRecorder from "./runtime/EventRecorder.js"
/** @since 0.1.0 */
export * as Finalizer from "./runtime/Finalizer.js"
/** @since 0.1.0 */
export * as Informers from "./runtime/Informers.js"
/** @since 0.1.0 */
export * as LeaderElection from "./runtime/LeaderElection.js"
/** @since 0.1.0 */
export * as Owner from "./runtime/Owner.js"
/** @since 0.1.0 */
export * as Reflector from "./runtime/Reflector.js"
/** @since 0.1.0 */
export * as Store from "./runtime/Store.js"
/** @since 0.1.0 */
export * as Wait from "./runtime/Wait.js"
/** @since 0.1.0 */
export * as PodExec from "./streams/PodExec.js"
/** @since 0.1.0 */
export * as PodLog from "./streams/PodLog.js"
/** @since 0.1.0 */
export * as PodPortForward from "./streams/PodPortForward.js"
/** @since 0.1.0 */
export * as Watch from "./streams/Watch.js"
