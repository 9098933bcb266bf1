/**
 * The Node entry point of effect-kube: the TLS transport and a one-stop layer. Needs
 * `@effect/platform-node`.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as NodeKube from "./NodeKube.js"
/** @since 0.1.0 */
export * as NodeKubeHttpClient from "./NodeKubeHttpClient.js"
/** @since 0.1.0 */
export * as NodePortForward from "./NodePortForward.js"
