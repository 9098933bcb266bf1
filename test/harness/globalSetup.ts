/**
 * Vitest global setup of the integration project: one shared real kube-apiserver + etcd for all
 * integration test files, stopped at the end whatever happened.
 */
import type { TestProject } from "vitest/node"
import { type EnvtestInfo, start } from "./Envtest.js"

declare module "vitest" {
  export interface ProvidedContext {
    envtest: EnvtestInfo
  }
}

export default async function setup(project: TestProject) {
  const env = await start({ log: (line) => console.log(line) })
  const { stop: _stop, stopApiserver: _a, startApiserver: _b, ...info } = env
  project.provide("envtest", info)
  return async () => {
    await env.stop()
  }
}
