/**
 * Discovery: the server's version, its API groups and the resources of each group version, built
 * from the kinds it serves.
 *
 * @internal
 */
import type { Kinds } from "./kinds.js"
import { json } from "./responses.js"

const groups = (kinds: Kinds) => {
  const byGroup = new Map<string, Set<string>>()
  for (const info of kinds.all()) {
    if (info.group === "") continue
    const versions = byGroup.get(info.group) ?? new Set<string>()
    versions.add(info.version)
    byGroup.set(info.group, versions)
  }
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...byGroup].map(([name, versions]) => ({
      name,
      versions: [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${[...versions][0]}`, version: [...versions][0] }
    }))
  }
}

const resourceList = (kinds: Kinds, group: string, version: string) => {
  const resources: Array<unknown> = []
  for (const info of kinds.all()) {
    if (info.group !== group || info.version !== version) continue
    // As the apiserver sends them: singularName is required (empty when the server does not say).
    resources.push({
      name: info.plural,
      singularName: "",
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: info.verbs
    })
    for (const sub of Object.keys(info.subresources)) {
      resources.push({
        name: `${info.plural}/${sub}`,
        singularName: "",
        namespaced: info.namespaced,
        kind: info.kind,
        verbs: ["get", "patch", "update"]
      })
    }
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group === "" ? version : `${group}/${version}`,
    resources
  }
}

/** The answer to a discovery path (`/version`, `/api`, `/apis`, `/apis/<group>/<version>`...), or `undefined` for other paths. */
export const discover = (kinds: Kinds, path: string): Response | undefined => {
  if (path === "/version")
    return json(200, {
      major: "1",
      minor: "35",
      gitVersion: "v1.35.0-effect-kube-in-memory",
      platform: "in-memory"
    })
  if (path === "/api") return json(200, { kind: "APIVersions", versions: ["v1"] })
  if (path === "/apis") return json(200, groups(kinds))
  const discovery = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/?$/.exec(path)
  if (discovery !== null)
    return json(200, resourceList(kinds, discovery[2] ?? "", discovery[1] ?? discovery[3] ?? ""))
  return undefined
}
