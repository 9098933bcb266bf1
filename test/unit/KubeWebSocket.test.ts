import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { KubeWebSocket } from "../../src/index.js"

describe("KubeWebSocket.clusterUrl", () => {
  const server = "https://k8s.test:6443"

  it.effect("puts the path and query under the cluster's server", () =>
    Effect.gen(function* () {
      const url = yield* KubeWebSocket.clusterUrl(server, "/api/v1/x/exec", [
        ["command", "ls"],
        ["command", "-l"]
      ])
      expect(url.toString()).toBe("wss://k8s.test:6443/api/v1/x/exec?command=ls&command=-l")
      const plain = yield* KubeWebSocket.clusterUrl("http://127.0.0.1:8080/prefix/", "/api", [])
      expect(plain.toString()).toBe("ws://127.0.0.1:8080/prefix/api")
      const doubled = yield* KubeWebSocket.clusterUrl(server, "//evil.test/x", [])
      expect(doubled.host).toBe("k8s.test:6443")
    })
  )

  it.effect("refuses paths that lead elsewhere, before connecting", () =>
    Effect.gen(function* () {
      for (const path of ["@evil.test/x", ".evil.test/x", "x", "", "https://evil.test/x", ":1/x"]) {
        const error = yield* Effect.flip(KubeWebSocket.clusterUrl(server, path, []))
        expect(error.reason).toBe("Connect")
      }
      const bad = yield* Effect.flip(KubeWebSocket.clusterUrl("https://[::1", "/x", []))
      expect(bad.reason).toBe("Connect")
    })
  )
})
