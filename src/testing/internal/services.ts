/**
 * What the apiserver's Service registry does beyond the generic writes (its `REST` hooks and
 * `ValidateService`): cluster IPs and node ports allocated from the cluster's ranges (a given one
 * checked: in range, free), kept on an update that leaves them out (`patchAllocatedValues`, 1.22+
 * servers), immutable once set, released when the Service goes or stops needing them; IP
 * families as a single-stack IPv4 cluster sets them; the port rules the allocation depends on.
 *
 * @internal
 */
import type { ResourceInfo } from "../../resource/Resource.js"
import { isObject, type Json, type JsonObject } from "./patch.js"
import type { Event } from "./store.js"
import type { Cause } from "./validation.js"

/** Whether a kind is the core Service. */
export const isService = (info: ResourceInfo): boolean => info.group === "" && info.kind === "Service"

/** An IPv4 address as a number, or `undefined` when the text is not one. */
const parseIPv4 = (text: string): number | undefined => {
  const parts = text.split(".")
  if (parts.length !== 4) return undefined
  let n = 0
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined
    const value = Number(part)
    if (value > 255) return undefined
    n = n * 256 + value
  }
  return n
}

const formatIPv4 = (n: number): string =>
  [Math.floor(n / 16777216) % 256, Math.floor(n / 65536) % 256, Math.floor(n / 256) % 256, n % 256].join(".")

/** An IPv4 CIDR's usable addresses (network and broadcast addresses left out), or why it is not one. */
export const parseRange = (cidr: string): { readonly first: number; readonly last: number } | string => {
  const [address, bits, ...rest] = cidr.split("/")
  const ip = parseIPv4(address ?? "")
  const prefix = Number(bits)
  if (ip === undefined || rest.length > 0 || !/^[0-9]{1,2}$/.test(bits ?? "") || prefix > 30 || prefix < 8)
    return `"${cidr}" is not an IPv4 CIDR with a prefix of 8 to 30 bits (e.g. 10.96.0.0/12)`
  const size = 2 ** (32 - prefix)
  const base = ip - (ip % size)
  return { first: base + 1, last: base + size - 2 }
}

/** A `first-last` range of node ports, or why it is not one. */
export const parsePorts = (text: string): { readonly first: number; readonly last: number } | string => {
  const match = /^([0-9]{1,5})-([0-9]{1,5})$/.exec(text)
  const first = Number(match?.[1])
  const last = Number(match?.[2])
  return match === null || first < 1 || last > 65535 || first > last
    ? `"${text}" is not a range of ports such as 30000-32767`
    : { first, last }
}

const str = (value: Json | undefined): string => (typeof value === "string" ? value : "")
const list = (value: Json | undefined): ReadonlyArray<Json> => (Array.isArray(value) ? value : [])
const specOf = (object: JsonObject): JsonObject => (isObject(object.spec) ? object.spec : {})

const needsClusterIP = (spec: JsonObject): boolean => spec.type !== "ExternalName"
/** Whether a type has node ports (a LoadBalancer's, unless it asks for none, allocated too). */
const needsNodePorts = (spec: JsonObject): boolean => spec.type === "NodePort" || spec.type === "LoadBalancer"
const allocatesNodePorts = (spec: JsonObject): boolean =>
  needsNodePorts(spec) && !(spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts === false)
const nodePortOf = (port: Json): number =>
  isObject(port) && typeof port.nodePort === "number" ? port.nodePort : 0

/**
 * A Service's spec before it is validated and allocated, as the 1.22+ registry prepares an update:
 * the allocated values it leaves out taken from the stored one, `clusterIP` and `clusterIPs` kept
 * in step, the fields of a type it left dropped.
 */
const patched = (spec: JsonObject, previous: JsonObject | undefined): JsonObject => {
  const out: { [key: string]: Json } = { ...spec }
  if (previous !== undefined && needsClusterIP(previous) && needsClusterIP(out)) {
    if (str(out.clusterIP) === "" && previous.clusterIP !== undefined) out.clusterIP = previous.clusterIP
    if (list(out.clusterIPs).length === 0 && list(previous.clusterIPs).length > 0)
      out.clusterIPs = previous.clusterIPs ?? null
  }
  if (previous !== undefined && needsNodePorts(previous) && needsNodePorts(out)) {
    // By name, the old node ports the new spec does not use elsewhere already.
    const used = new Set(list(out.ports).map(nodePortOf))
    const byName = new Map(list(previous.ports).map((p) => [isObject(p) ? str(p.name) : "", nodePortOf(p)]))
    out.ports = list(out.ports).map((p) => {
      const old = isObject(p) ? (byName.get(str(p.name)) ?? 0) : 0
      return isObject(p) && nodePortOf(p) === 0 && old !== 0 && !used.has(old) ? { ...p, nodePort: old } : p
    })
  }
  const ip = str(out.clusterIP)
  const ips = list(out.clusterIPs)
  const sameIPs = JSON.stringify(ips) === JSON.stringify(list(previous?.clusterIPs))
  if (previous !== undefined && ip !== str(previous.clusterIP) && sameIPs) {
    // The single field changed, the list not: the list follows it (cleared with it).
    if (ip === "") delete out.clusterIPs
    else out.clusterIPs = [ip]
  } else if (ip === "" && ips.length > 0) out.clusterIP = ips[0] ?? null
  else if (ip !== "" && ips.length === 0) out.clusterIPs = [ip]
  if (previous !== undefined && !needsClusterIP(out) && needsClusterIP(previous)) {
    // Became an ExternalName: the allocated values go with the type that needed them.
    if (str(out.clusterIP) === str(previous.clusterIP)) {
      delete out.clusterIP
      delete out.clusterIPs
    }
    delete out.ipFamilies
    delete out.ipFamilyPolicy
  }
  if (
    previous !== undefined &&
    !needsNodePorts(out) &&
    out.externalTrafficPolicy === previous.externalTrafficPolicy
  )
    delete out.externalTrafficPolicy
  if (previous !== undefined && out.type !== "LoadBalancer" && previous.type === "LoadBalancer")
    delete out.allocateLoadBalancerNodePorts
  if (previous !== undefined && !needsNodePorts(out) && needsNodePorts(previous)) {
    // Dropped when the ports' node ports are the stored ones (a changed list keeps them: a 422).
    const same =
      JSON.stringify(list(out.ports).map(nodePortOf)) === JSON.stringify(list(previous.ports).map(nodePortOf))
    if (same)
      out.ports = list(out.ports).map((p) => {
        if (!isObject(p) || nodePortOf(p) === 0) return p
        const { nodePort: _dropped, ...rest } = p
        return rest
      })
  }
  return out
}

/** A port's name (`IANA_SVC_NAME`): at most 15 lowercase letters, digits and inner single dashes, a letter among them. */
const IANA_SVC_NAME = (name: string): boolean =>
  name.length <= 15 &&
  /[a-z]/.test(name) &&
  !name.includes("--") &&
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)

const invalidValue = (field: string, value: string, detail: string): Cause => ({
  reason: "FieldValueInvalid",
  message: `Invalid value: ${value}: ${detail}`,
  field
})
const quoted = (values: ReadonlyArray<string>) =>
  `[]string{${values.map((v) => JSON.stringify(v)).join(", ")}}`

/** What `ValidateService` (and `ValidateServiceUpdate`) finds wrong, of the rules kept here. */
const problems = (spec: JsonObject, previous: JsonObject | undefined): Array<Cause> => {
  const causes: Array<Cause> = []
  const type = str(spec.type)
  if (!["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"].includes(type))
    causes.push({
      reason: "FieldValueNotSupported",
      message: `Unsupported value: ${JSON.stringify(type)}: supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`,
      field: "spec.type"
    })
  const headless = str(spec.clusterIP) === "None"
  const ports = list(spec.ports)
  if (ports.length === 0 && !headless && type !== "ExternalName")
    causes.push({ reason: "FieldValueRequired", message: "Required value", field: "spec.ports" })
  if (type === "ExternalName" && str(spec.externalName) === "")
    causes.push({ reason: "FieldValueRequired", message: "Required value", field: "spec.externalName" })
  const names = new Set<string>()
  const seen = new Set<string>()
  ports.forEach((port, i) => {
    if (!isObject(port)) return
    const at = `spec.ports[${i}]`
    const name = str(port.name)
    if (ports.length > 1 && name === "")
      causes.push({ reason: "FieldValueRequired", message: "Required value", field: `${at}.name` })
    else if (name !== "" && names.has(name))
      causes.push({
        reason: "FieldValueDuplicate",
        message: `Duplicate value: ${JSON.stringify(name)}`,
        field: `${at}.name`
      })
    names.add(name)
    const number = typeof port.port === "number" ? port.port : 0
    if (!Number.isInteger(number) || number < 1 || number > 65535)
      causes.push(invalidValue(`${at}.port`, String(number), "must be between 1 and 65535, inclusive"))
    const protocol = str(port.protocol)
    if (!["TCP", "UDP", "SCTP"].includes(protocol))
      causes.push({
        reason: "FieldValueNotSupported",
        message: `Unsupported value: ${JSON.stringify(protocol)}: supported values: "SCTP", "TCP", "UDP"`,
        field: `${at}.protocol`
      })
    const target = port.targetPort
    if (typeof target === "number" && (!Number.isInteger(target) || target < 1 || target > 65535))
      causes.push(invalidValue(`${at}.targetPort`, String(target), "must be between 1 and 65535, inclusive"))
    else if (typeof target === "string" && !IANA_SVC_NAME(target))
      causes.push(invalidValue(`${at}.targetPort`, JSON.stringify(target), "must be an IANA_SVC_NAME"))
    if (nodePortOf(port) !== 0 && !needsNodePorts(spec))
      causes.push({
        reason: "FieldValueForbidden",
        message: `Forbidden: may not be used when \`type\` is '${type}'`,
        field: `${at}.nodePort`
      })
  })
  // Then the ports that repeat a (port, protocol) pair, and the node ports a (nodePort, protocol) one.
  const nodePorts = new Set<string>()
  ports.forEach((port, i) => {
    if (!isObject(port)) return
    const key = `${String(port.port)}/${str(port.protocol)}`
    if (seen.has(key))
      causes.push({ reason: "FieldValueDuplicate", message: "Duplicate value", field: `spec.ports[${i}]` })
    seen.add(key)
    const nodePort = nodePortOf(port)
    if (nodePort === 0) return
    const nodeKey = `${nodePort}/${str(port.protocol)}`
    if (nodePorts.has(nodeKey))
      causes.push({
        reason: "FieldValueDuplicate",
        message: `Duplicate value: ${nodePort}`,
        field: `spec.ports[${i}].nodePort`
      })
    nodePorts.add(nodeKey)
  })
  if (type === "ExternalName" && (str(spec.clusterIP) !== "" || list(spec.clusterIPs).length > 0))
    causes.push({
      reason: "FieldValueForbidden",
      message: "Forbidden: may not be set for ExternalName services",
      field: "spec.clusterIPs"
    })
  if (headless && type !== "ClusterIP" && type !== "ExternalName")
    causes.push(invalidValue("spec.clusterIPs[0]", '"None"', `may not be set to 'None' for ${type} services`))
  const ips = list(spec.clusterIPs).map(str)
  if (str(spec.clusterIP) !== "" && ips.length > 0 && ips[0] !== str(spec.clusterIP))
    causes.push(invalidValue("spec.clusterIPs", quoted(ips), "element [0] must match `clusterIP`"))
  if (previous !== undefined && needsClusterIP(previous) && needsClusterIP(spec)) {
    const before = list(previous.clusterIPs).map(str)
    if (before.length > 0 && ips.length === 0)
      causes.push(invalidValue("spec.clusterIPs[0]", "[]string(nil)", "primary clusterIP can not be unset"))
    else if (before.length > 0 && ips[0] !== before[0])
      causes.push(invalidValue("spec.clusterIPs[0]", quoted(ips), "may not change once set"))
  }
  return causes
}

/**
 * The cluster IPs and node ports in use, kept in step with the stored Services (`observe` the
 * store's changes), and the allocation of new ones.
 */
export class ServiceAllocator {
  private readonly ips = new Map<number, string>()
  private readonly ports = new Map<number, string>()
  /** What each Service holds (by its key), to release on its next change. */
  private readonly held = new Map<
    string,
    { readonly ips: ReadonlyArray<number>; readonly ports: ReadonlyArray<number> }
  >()

  constructor(
    private readonly range: { readonly first: number; readonly last: number },
    private readonly nodePorts: { readonly first: number; readonly last: number },
    private readonly rangeText: string
  ) {}

  /** Follows a stored change: what a Service held is released, what it holds now taken. */
  observe(event: Event): void {
    if (!isService(event.info)) return
    const before = this.held.get(event.key)
    for (const ip of before?.ips ?? []) if (this.ips.get(ip) === event.key) this.ips.delete(ip)
    for (const port of before?.ports ?? []) if (this.ports.get(port) === event.key) this.ports.delete(port)
    this.held.delete(event.key)
    if (event.type === "DELETED") return
    const spec = specOf(event.object)
    // What it holds, of what nobody else holds (a seed may name another's address).
    const ips = (needsClusterIP(spec) ? list(spec.clusterIPs) : [])
      .map((ip) => parseIPv4(str(ip)))
      .filter((ip): ip is number => ip !== undefined && !this.ips.has(ip))
    const ports = (needsNodePorts(spec) ? list(spec.ports).map(nodePortOf) : []).filter(
      (port) => port !== 0 && !this.ports.has(port)
    )
    for (const ip of ips) this.ips.set(ip, event.key)
    for (const port of ports) this.ports.set(port, event.key)
    this.held.set(event.key, { ips, ports })
  }

  /**
   * A Service as the registry stores it (`key` its store key, `previous` its stored version on an
   * update): allocated values filled in, or the causes of the 422 (or the 500 of a full range).
   */
  prepare(
    key: string,
    object: JsonObject,
    previous: JsonObject | undefined
  ): { readonly object: JsonObject } | { readonly causes: ReadonlyArray<Cause> } | { readonly full: string } {
    const before = previous === undefined ? undefined : specOf(previous)
    const spec: { [key: string]: Json } = patched(specOf(object), before)
    const causes = problems(spec, before)
    if (causes.length > 0) return { causes }
    if (needsClusterIP(spec) && list(spec.clusterIPs).length === 0) {
      const ip = this.free(this.ips, this.range, key)
      if (ip === undefined) return { full: `failed to allocate a serviceIP: range is full` }
      spec.clusterIP = formatIPv4(ip)
      spec.clusterIPs = [formatIPv4(ip)]
    } else if (
      needsClusterIP(spec) &&
      str(spec.clusterIP) !== "None" &&
      // An update keeps its address unchecked (the range may have changed since, or it was seeded).
      str(spec.clusterIP) !== str(before?.clusterIP)
    ) {
      const wanted = str(spec.clusterIP)
      const ip = parseIPv4(wanted)
      const owner = ip === undefined ? undefined : this.ips.get(ip)
      const detail =
        ip === undefined
          ? "must be a valid IP address"
          : ip < this.range.first || ip > this.range.last
            ? `failed to allocate IP ${wanted}: the provided IP (${wanted}) is not in the valid range. The range of valid IPs is ${this.rangeText}`
            : owner !== undefined && owner !== key
              ? `failed to allocate IP ${wanted}: provided IP is already allocated`
              : undefined
      if (detail !== undefined)
        return { causes: [invalidValue("spec.clusterIPs", quoted(list(spec.clusterIPs).map(str)), detail)] }
    }
    if (needsClusterIP(spec) && list(spec.ipFamilies).length === 0) {
      // The policy given, else the stored one, else the default; a single-stack IPv4 cluster,
      // where a headless Service without a selector may serve either family unless single-stack.
      const selectorless = !isObject(spec.selector) || Object.keys(spec.selector).length === 0
      const headlessAny = str(spec.clusterIP) === "None" && selectorless
      const given = str(spec.ipFamilyPolicy) !== "" ? str(spec.ipFamilyPolicy) : str(before?.ipFamilyPolicy)
      const policy = given !== "" ? given : headlessAny ? "RequireDualStack" : "SingleStack"
      // Dual stack demanded of a single-stack cluster (a headless Service without a selector aside).
      if (policy === "RequireDualStack" && !headlessAny)
        return {
          causes: [
            invalidValue(
              "spec.ipFamilyPolicy",
              '"RequireDualStack"',
              "this cluster is not configured for dual-stack services"
            )
          ]
        }
      spec.ipFamilyPolicy = policy
      spec.ipFamilies = headlessAny && policy !== "SingleStack" ? ["IPv4", "IPv6"] : ["IPv4"]
    }
    if (needsNodePorts(spec)) {
      const kept = new Set(list(before?.ports).map(nodePortOf))
      // First the node ports given (checked unless kept from the stored version), then the
      // others (ports of one number share one, as `initNodePorts` gives them).
      const taken = new Set<number>()
      for (const [i, port] of list(spec.ports).entries()) {
        const given = nodePortOf(port)
        if (given === 0 || kept.has(given) || taken.has(given)) {
          if (given !== 0) taken.add(given)
          continue
        }
        const owner = this.ports.get(given)
        const detail =
          given < this.nodePorts.first || given > this.nodePorts.last
            ? `provided port is not in the valid range. The range of valid ports is ${this.nodePorts.first}-${this.nodePorts.last}`
            : owner !== undefined && owner !== key
              ? "provided port is already allocated"
              : undefined
        if (detail !== undefined)
          return { causes: [invalidValue(`spec.ports[${i}].nodePort`, String(given), detail)] }
        taken.add(given)
      }
      const byNumber = new Map<number, number>()
      const ports: Array<Json> = []
      for (const port of list(spec.ports)) {
        if (!isObject(port) || nodePortOf(port) !== 0 || !allocatesNodePorts(spec)) {
          ports.push(port)
          continue
        }
        const number = typeof port.port === "number" ? port.port : 0
        const free = byNumber.get(number) ?? this.free(this.ports, this.nodePorts, key, taken)
        if (free === undefined) return { full: "failed to allocate a nodePort: range is full" }
        taken.add(free)
        byNumber.set(number, free)
        ports.push({ ...port, nodePort: free })
      }
      spec.ports = ports
    }
    return { object: { ...object, spec } }
  }

  /** The first number of `range` no other Service holds (nor `also`). */
  private free(
    used: ReadonlyMap<number, string>,
    range: { readonly first: number; readonly last: number },
    key: string,
    also: ReadonlySet<number> = new Set()
  ): number | undefined {
    for (let n = range.first; n <= range.last; n++) {
      const owner = used.get(n)
      if ((owner === undefined || owner === key) && !also.has(n)) return n
    }
    return undefined
  }
}
