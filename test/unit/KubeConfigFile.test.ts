import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { KubeConfigFile } from "../../src/index.js"

const decode = Schema.decodeUnknownSync(KubeConfigFile.KubeConfigFile, { onExcessProperty: "preserve" })
const encode = Schema.encodeSync(KubeConfigFile.KubeConfigFile)

describe("KubeConfigFile schema", () => {
  it("keeps unknown fields and extensions through decode and encode", () => {
    const input = {
      apiVersion: "v1",
      kind: "Config",
      "x-future": { a: 1 },
      preferences: { colors: true },
      clusters: [
        {
          name: "c",
          cluster: {
            server: "https://h",
            "some-new-field": "kept",
            extensions: [{ name: "client.authentication.k8s.io/exec", extension: { audience: "x" } }]
          }
        }
      ],
      users: [{ name: "u", user: { token: "t", "future-auth": { z: 1 } } }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u", extra: 2 } }],
      "current-context": "x"
    }
    const decoded = decode(input)
    expect(decoded.clusters?.[0]?.cluster["some-new-field"]).toBe("kept")
    expect(encode(decoded)).toEqual(input)
  })

  it("treats null lists and fields as absent", () => {
    const decoded = decode({
      clusters: null,
      users: null,
      contexts: null,
      "current-context": null,
      preferences: {}
    })
    expect(decoded.clusters).toBeUndefined()
    expect(decoded["current-context"]).toBeUndefined()
  })

  it("rejects wrong types with the path of the bad field", () => {
    expect(() => decode({ clusters: [{ name: "c", cluster: { server: 42 } }] })).toThrow(/server/)
    expect(() => decode({ users: [{ name: "u", user: { exec: { args: ["x"] } } }] })).toThrow(/command/)
    expect(() =>
      decode({ users: [{ name: "u", user: { exec: { command: "x", interactiveMode: "Sometimes" } } }] })
    ).toThrow(/interactiveMode/)
  })
})

describe("KubeConfigFile.merge (kubectl's KUBECONFIG rules)", () => {
  const a = decode({
    clusters: [{ name: "shared", cluster: { server: "https://a" } }],
    users: [{ name: "shared", user: { token: "from-a" } }],
    contexts: [{ name: "only-a", context: { cluster: "shared" } }]
  })
  const b = decode({
    "current-context": "from-b",
    preferences: { b: true },
    clusters: [
      { name: "shared", cluster: { server: "https://b" } },
      { name: "b", cluster: { server: "https://bb" } }
    ],
    users: [{ name: "shared", user: { token: "from-b" } }],
    contexts: [{ name: "from-b", context: { cluster: "b" } }]
  })
  const c = decode({ "current-context": "from-c" })

  it("first file wins per named entry", () => {
    const merged = KubeConfigFile.merge([a, b])
    expect(merged.clusters?.map((x) => [x.name, x.cluster.server])).toEqual([
      ["shared", "https://a"],
      ["b", "https://bb"]
    ])
    expect(merged.users?.find((u) => u.name === "shared")?.user.token).toBe("from-a")
    expect(merged.contexts?.map((x) => x.name)).toEqual(["only-a", "from-b"])
  })

  it("current-context comes from the first file that sets it", () => {
    expect(KubeConfigFile.merge([a, b, c])["current-context"]).toBe("from-b")
    expect(KubeConfigFile.merge([c, b])["current-context"]).toBe("from-c")
    expect(KubeConfigFile.merge([a])["current-context"]).toBeUndefined()
    expect(KubeConfigFile.merge([a, b]).preferences).toEqual({ b: true })
  })
})

describe("KubeConfigFile.resolvePaths", () => {
  it("resolves relative file paths against the kubeconfig's folder, leaves absolute ones", () => {
    const resolved = KubeConfigFile.resolvePaths(
      decode({
        clusters: [{ name: "c", cluster: { server: "https://h", "certificate-authority": "pki/ca.crt" } }],
        users: [
          {
            name: "u",
            user: {
              "client-certificate": "/abs/cert.pem",
              "client-key": "key.pem",
              tokenFile: "../token",
              exec: { command: "./bin/plugin" }
            }
          },
          { name: "p", user: { exec: { command: "aws" } } }
        ]
      }),
      "/home/me/.kube"
    )
    expect(resolved.clusters?.[0]?.cluster["certificate-authority"]).toBe("/home/me/.kube/pki/ca.crt")
    const user = resolved.users?.[0]?.user
    expect(user?.["client-certificate"]).toBe("/abs/cert.pem")
    expect(user?.["client-key"]).toBe("/home/me/.kube/key.pem")
    expect(user?.tokenFile).toBe("/home/me/token")
    expect(user?.exec?.command).toBe("/home/me/.kube/bin/plugin")
    // A bare command name is looked up on PATH, as kubectl does.
    expect(resolved.users?.[1]?.user.exec?.command).toBe("aws")
  })
})
