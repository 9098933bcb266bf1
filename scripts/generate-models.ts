/**
 * Generates the resource models (`src/models/<package>/<version>.ts`) from a Kubernetes OpenAPI
 * (Swagger 2.0) document.
 *
 *   npx tsx scripts/generate-models.ts [swagger.json[.gz]] [--out src/models] [--runtime effect-kube] [--check]
 *
 * Default input: spec/kubernetes/swagger-v1.35.0.json.gz (vendored; see spec/kubernetes/README.md).
 * `--check` compares with the files on disk and fails when they differ (CI). `--runtime effect-kube`
 * makes the output import the runtime from the package (for models generated in a user's project).
 *
 * Per definition: a TypeScript interface (field docs from the spec's descriptions) and an Effect
 * Schema typed by it (list-map lists annotated with their keys, `Primitives.ListMapKeys`); where a
 * list-map list lies below, an apply type too (`<Name>Apply`: any field at any depth, list-map
 * items with the keys they require), each kind's registered in `Resource.ApplyConfigurations`
 * (not with `--runtime`: no module path to augment). Per kind with REST paths: a `Resource` (group, version, kind, plural,
 * namespaced, verbs, sub-resources from `paths` and `x-kubernetes-action`). Per module: the
 * strategic-merge metadata of its definitions (`patchMetadata`).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"

const ROOT = path.resolve(import.meta.dirname, "..")
const args = process.argv.slice(2)
const check = args.includes("--check")
const outIndex = args.indexOf("--out")
const runtimeIndex = args.indexOf("--runtime")
/** Import the runtime (Resource, Primitives, ...) from this package instead of relative paths. */
const runtime = runtimeIndex >= 0 ? args[runtimeIndex + 1] : undefined
const OUT = path.resolve(outIndex >= 0 ? (args[outIndex + 1] ?? "src/models") : path.join(ROOT, "src/models"))
const optionValues = new Set([outIndex + 1, runtimeIndex + 1].filter((i) => i > 0))
const input =
  args.find((a, i) => !a.startsWith("--") && !optionValues.has(i)) ??
  path.resolve(ROOT, "spec/kubernetes/swagger-v1.35.0.json.gz")

interface Property {
  readonly type?: string
  readonly format?: string
  readonly description?: string
  readonly $ref?: string
  readonly items?: Property
  readonly additionalProperties?: Property
  readonly "x-kubernetes-patch-strategy"?: string
  readonly "x-kubernetes-patch-merge-key"?: string
  readonly "x-kubernetes-list-type"?: string
  readonly "x-kubernetes-list-map-keys"?: ReadonlyArray<string>
  readonly "x-kubernetes-map-type"?: string
}
interface Gvk {
  readonly group: string
  readonly version: string
  readonly kind: string
}
interface Definition {
  readonly description?: string
  readonly type?: string
  readonly format?: string
  readonly properties?: Record<string, Property>
  readonly required?: ReadonlyArray<string>
  readonly "x-kubernetes-group-version-kind"?: ReadonlyArray<Gvk>
  readonly "x-kubernetes-map-type"?: string
}
interface Operation {
  readonly "x-kubernetes-action"?: string
  readonly "x-kubernetes-group-version-kind"?: Gvk
}
interface Swagger {
  readonly info?: { readonly version?: string }
  readonly definitions: Record<string, Definition>
  readonly paths: Record<string, Record<string, Operation | unknown>>
}

const raw = fs.readFileSync(input)
const text = input.endsWith(".gz") ? zlib.gunzipSync(raw).toString("utf8") : raw.toString("utf8")
const spec: Swagger = JSON.parse(text)
const specVersion = spec.info?.version ?? "unknown"

// --- where each definition lives -------------------------------------------------------------

/** Definitions with a hand-written counterpart in src/Primitives.ts or src/Quantity.ts. */
const PRIMITIVES: Record<string, { readonly type: string; readonly schema: string }> = {
  "io.k8s.apimachinery.pkg.api.resource.Quantity": { type: "$Q.Quantity", schema: "$Q.Quantity" },
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": { type: "$P.IntOrString", schema: "$P.IntOrString" },
  "io.k8s.apimachinery.pkg.apis.meta.v1.Time": { type: "$P.Time", schema: "$P.Time" },
  "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": { type: "$P.Time", schema: "$P.Time" },
  "io.k8s.apimachinery.pkg.runtime.RawExtension": { type: "$P.JsonObject", schema: "$P.JsonObject" },
  "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": { type: "$P.JsonObject", schema: "$P.JsonObject" },
  "io.k8s.apimachinery.pkg.apis.meta.v1.Patch": { type: "$P.JsonObject", schema: "$P.JsonObject" },
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON": { type: "unknown", schema: "$P.Json" },
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.JSON": { type: "unknown", schema: "$P.Json" }
}

/** `io.k8s.api.apps.v1.Deployment` -> { module: "apps/v1", name: "Deployment" } */
const locate = (id: string): { readonly module: string; readonly name: string } => {
  const parts = id.split(".")
  const name = parts[parts.length - 1] ?? id
  const version = parts[parts.length - 2] ?? ""
  if (id.startsWith("io.k8s.apimachinery.pkg.version.")) return { module: "meta/v1", name }
  if (!/^v\d/.test(version)) throw new Error(`cannot place definition ${id}`)
  const pkg = parts[parts.length - 3] ?? ""
  return { module: `${pkg}/${version}`, name }
}

const refId = (ref: string) => ref.replace(/^#\/definitions\//, "")

// --- resources from paths --------------------------------------------------------------------

interface Sub {
  name: string
  gvk?: Gvk
  verbs: Set<string>
}
interface ResourceInfo {
  gvk: Gvk
  plural: string
  namespaced: boolean
  verbs: Set<string>
  subresources: Map<string, Sub>
}
const resources = new Map<string, ResourceInfo>() // key: group/version/Kind
const actionVerb: Record<string, string> = {
  get: "get",
  list: "list",
  post: "create",
  put: "update",
  patch: "patch",
  delete: "delete",
  deletecollection: "deletecollection",
  connect: "connect"
}
const gvKey = (g: Gvk) => `${g.group}/${g.version}/${g.kind}`

for (const [p, ops] of Object.entries(spec.paths)) {
  const m =
    /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(?!watch\/)(namespaces\/\{namespace\}\/)?([^/{}]+)(\/\{name\})?(?:\/([^/{}]+))?$/.exec(
      p
    )
  if (m === null) continue
  const group = m[2] ?? ""
  const version = m[1] ?? m[3] ?? ""
  const namespaced = m[4] !== undefined
  const plural = m[5] ?? ""
  const hasName = m[6] !== undefined
  const sub = m[7]
  if (sub !== undefined && !hasName) continue
  for (const [method, opValue] of Object.entries(ops)) {
    if (method === "parameters" || typeof opValue !== "object" || opValue === null) continue
    const op: Operation = opValue
    const action = op["x-kubernetes-action"]
    const gvk = op["x-kubernetes-group-version-kind"]
    if (action === undefined || gvk === undefined) continue
    const verb = actionVerb[action]
    if (verb === undefined) continue
    if (sub === undefined) {
      const key = gvKey({ group, version, kind: gvk.kind })
      if (gvk.group !== group || gvk.version !== version) continue
      const info = resources.get(key) ?? {
        gvk,
        plural,
        namespaced,
        verbs: new Set(),
        subresources: new Map()
      }
      // `namespaces` itself: /api/v1/namespaces/{name} is cluster-scoped, as is the collection.
      info.namespaced = info.namespaced || namespaced
      info.verbs.add(verb)
      if (verb === "list") info.verbs.add("watch")
      resources.set(key, info)
    }
  }
}
// Sub-resources, once the parents are known (keyed by group/version/plural).
for (const [p, ops] of Object.entries(spec.paths)) {
  const m =
    /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(namespaces\/\{namespace\}\/)?([^/{}]+)\/\{name\}\/([^/{}]+)$/.exec(
      p
    )
  if (m === null) continue
  const group = m[2] ?? ""
  const version = m[1] ?? m[3] ?? ""
  const plural = m[5] ?? ""
  const name = m[6] ?? ""
  const parent = [...resources.values()].find(
    (r) => r.gvk.group === group && r.gvk.version === version && r.plural === plural
  )
  if (parent === undefined) continue
  for (const [method, opValue] of Object.entries(ops)) {
    if (method === "parameters" || typeof opValue !== "object" || opValue === null) continue
    const op: Operation = opValue
    const action = op["x-kubernetes-action"]
    const verb = action === undefined ? undefined : actionVerb[action]
    if (verb === undefined) continue
    const sub = parent.subresources.get(name) ?? { name, verbs: new Set<string>() }
    sub.verbs.add(verb)
    const gvk = op["x-kubernetes-group-version-kind"]
    if (gvk !== undefined && gvKey(gvk) !== gvKey(parent.gvk) && verb !== "connect") sub.gvk = gvk
    parent.subresources.set(name, sub)
  }
}

// --- code generation -------------------------------------------------------------------------

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/
const key = (name: string) => (IDENT.test(name) ? name : JSON.stringify(name))
const moduleAlias = (module: string) => module.replace(/[^A-Za-z0-9]/g, "_")

const doc = (text: string | undefined, indent: string): string => {
  if (text === undefined || text.trim() === "") return ""
  const lines = text.replace(/\*\//g, "*\\/").trim().split("\n")
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}`.trimEnd()).join("\n")}\n${indent} */\n`
}

interface ModuleState {
  readonly name: string
  readonly imports: Set<string>
  readonly types: Array<string>
  readonly schemas: Array<string>
  readonly resources: Array<string>
  readonly patchMeta: Array<string>
}
const modules = new Map<string, ModuleState>()
const moduleOf = (name: string): ModuleState => {
  const existing = modules.get(name)
  if (existing !== undefined) return existing
  const created: ModuleState = {
    name,
    imports: new Set(),
    types: [],
    schemas: [],
    resources: [],
    patchMeta: []
  }
  modules.set(name, created)
  return created
}

const uses = { primitives: new Set<string>(), quantity: new Set<string>() }

/** The TypeScript type and Schema expression of a property, seen from module `from`. */
const typeOf = (prop: Property, from: ModuleState): { readonly type: string; readonly schema: string } => {
  if (prop.$ref !== undefined) {
    const id = refId(prop.$ref)
    const primitive = PRIMITIVES[id]
    if (primitive !== undefined) {
      if (primitive.type.startsWith("$Q.")) uses.quantity.add(from.name)
      else uses.primitives.add(from.name)
      return primitive
    }
    const target = locate(id)
    const kindTarget = isKind(id)
    const schemaName = kindTarget ? `${target.name}Schema` : target.name
    if (target.module === from.name) {
      return { type: target.name, schema: `$S.suspend((): $S.Schema<${target.name}> => ${schemaName})` }
    }
    from.imports.add(target.module)
    const alias = moduleAlias(target.module)
    return {
      type: `${alias}.${target.name}`,
      schema: `$S.suspend((): $S.Schema<${alias}.${target.name}> => ${alias}.${schemaName})`
    }
  }
  switch (prop.type) {
    case "string":
      return { type: "string", schema: "$S.String" }
    case "integer":
    case "number":
      return { type: "number", schema: "$S.Number" }
    case "boolean":
      return { type: "boolean", schema: "$S.Boolean" }
    case "array": {
      const item = typeOf(prop.items ?? {}, from)
      return { type: `ReadonlyArray<${item.type}>`, schema: `$S.Array(${item.schema})` }
    }
    case "object": {
      if (prop.additionalProperties === undefined) {
        uses.primitives.add(from.name)
        return { type: "$P.JsonObject", schema: "$P.JsonObject" }
      }
      const value = typeOf(prop.additionalProperties, from)
      return {
        type: `{ readonly [key: string]: ${value.type} }`,
        schema: `$S.Record({ key: $S.String, value: ${value.schema} })`
      }
    }
    default:
      uses.primitives.add(from.name)
      return { type: "unknown", schema: "$P.Json" }
  }
}

const kindDefs = new Map<string, Gvk>()
for (const [id, def] of Object.entries(spec.definitions)) {
  const gvks = def["x-kubernetes-group-version-kind"] ?? []
  const first = gvks[0]
  if (
    gvks.length === 1 &&
    first !== undefined &&
    def.properties?.apiVersion !== undefined &&
    def.properties?.kind !== undefined
  ) {
    kindDefs.set(id, first)
  }
}
function isKind(id: string): boolean {
  return kindDefs.has(id)
}

const SPECIAL_UNION_BY_NAME: Record<string, () => { readonly type: string; readonly schema: string }> = {
  JSONSchemaPropsOrArray: () => ({
    type: "JSONSchemaProps | ReadonlyArray<JSONSchemaProps>",
    schema:
      "$S.Union($S.suspend((): $S.Schema<JSONSchemaProps> => JSONSchemaProps), $S.Array($S.suspend((): $S.Schema<JSONSchemaProps> => JSONSchemaProps)))"
  }),
  JSONSchemaPropsOrBool: () => ({
    type: "JSONSchemaProps | boolean",
    schema: "$S.Union($S.suspend((): $S.Schema<JSONSchemaProps> => JSONSchemaProps), $S.Boolean)"
  }),
  JSONSchemaPropsOrStringArray: () => ({
    type: "JSONSchemaProps | ReadonlyArray<string>",
    schema: "$S.Union($S.suspend((): $S.Schema<JSONSchemaProps> => JSONSchemaProps), $S.Array($S.String))"
  })
}

const apiVersionOf = (g: Gvk) => (g.group === "" ? g.version : `${g.group}/${g.version}`)

// --- apply types: what server-side apply takes (types only) ----------------------------------

/** The definitions a property refers to: itself, its items, its values. */
const refsOf = (prop: Property): ReadonlyArray<string> =>
  [prop.$ref, prop.items?.$ref, prop.additionalProperties?.$ref].filter((r) => r !== undefined).map(refId)
const isListMap = (prop: Property) =>
  prop["x-kubernetes-list-type"] === "map" && prop.items?.$ref !== undefined
/**
 * The definitions that hold a list-map list (`x-kubernetes-list-type: map`) at some depth: their
 * apply types differ from the generic deep-partial one (the items' keys are required). Every
 * kind has one, through `metadata.ownerReferences`; JSONSchemaProps' unions follow JSONSchemaProps.
 */
const keyed = new Set<string>()
for (let grew = true; grew; ) {
  grew = false
  for (const [id, def] of Object.entries(spec.definitions)) {
    if (keyed.has(id) || PRIMITIVES[id] !== undefined) continue
    const special =
      id.startsWith("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.") &&
      SPECIAL_UNION_BY_NAME[locate(id).name] !== undefined
    const reaches = special
      ? keyed.has(id.replace(/\.[A-Za-z]+$/, ".JSONSchemaProps"))
      : Object.values(def.properties ?? {}).some((p) => isListMap(p) || refsOf(p).some((r) => keyed.has(r)))
    if (reaches) {
      keyed.add(id)
      grew = true
    }
  }
}

/** The apply type of a property, seen from module `from` (the deep-partial of its type unless keyed). */
const applyTypeOf = (prop: Property, from: ModuleState): string => {
  const plain = typeOf(prop, from).type
  if (plain === "string" || plain === "number" || plain === "boolean" || plain === "unknown") return plain
  const ref = prop.$ref ?? prop.items?.$ref ?? prop.additionalProperties?.$ref
  if (ref === undefined || (!keyed.has(refId(ref)) && !isListMap(prop))) {
    uses.primitives.add(from.name)
    return `$P.DeepPartial<${plain}>`
  }
  const id = refId(ref)
  if (!keyed.has(id)) uses.primitives.add(from.name)
  const item = keyed.has(id) ? applyRef(id, from) : `$P.DeepPartial<${typeOf({ $ref: ref }, from).type}>`
  if (prop.type === "array") {
    const keys = isListMap(prop)
      ? (prop["x-kubernetes-list-map-keys"] ?? []).filter((k) => spec.definitions[id]?.required?.includes(k))
      : []
    if (keys.length === 0) return `ReadonlyArray<${item}>`
    uses.primitives.add(from.name)
    return `ReadonlyArray<$P.Keyed<${item}, ${keys.map((k) => JSON.stringify(k)).join(" | ")}>>`
  }
  if (prop.additionalProperties !== undefined) return `{ readonly [key: string]: ${item} }`
  return item
}
/** The name of definition `id`'s apply type, seen from module `from`. */
const applyRef = (id: string, from: ModuleState): string => {
  const target = locate(id)
  if (target.module === from.name) return `${target.name}Apply`
  from.imports.add(target.module)
  return `${moduleAlias(target.module)}.${target.name}Apply`
}
/** The kinds' apply types by `<apiVersion>/<kind>`, per module (registered in Resource.ApplyConfigurations). */
const applyKinds = new Map<string, Array<string>>()

const ids = Object.keys(spec.definitions).sort()
/** Where each built-in kind is served (models/internal/kinds.ts), in the order of the definitions. */
const kindRows: Array<{ apiVersion: string; kind: string; plural: string; namespaced: boolean }> = []
for (const id of ids) {
  if (PRIMITIVES[id] !== undefined) continue
  const def = spec.definitions[id]
  if (def === undefined) continue
  const { module, name } = locate(id)
  const mod = moduleOf(module)
  // apiextensions' JSONSchemaPropsOr* are unions the OpenAPI document leaves untyped (any version).
  const special = id.startsWith("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.")
    ? SPECIAL_UNION_BY_NAME[name]
    : undefined
  if (special !== undefined) {
    const s = special()
    mod.types.push(`${doc(def.description, "")}export type ${name} = ${s.type}\n`)
    if (keyed.has(id)) {
      mod.types.push(
        `/** What server-side apply takes of {@link ${name}}. */\nexport type ${name}Apply = ${s.type.replace(/JSONSchemaProps\b/g, "JSONSchemaPropsApply")}\n`
      )
    }
    mod.schemas.push(`${doc(def.description, "")}export const ${name}: $S.Schema<${name}> = ${s.schema}\n`)
    continue
  }
  const gvk = kindDefs.get(id)
  const required = new Set(def.required ?? [])
  const props = Object.entries(def.properties ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (props.length === 0) {
    uses.primitives.add(module)
    mod.types.push(`${doc(def.description, "")}export type ${name} = $P.JsonObject\n`)
    mod.schemas.push(`${doc(def.description, "")}export const ${name}: $S.Schema<${name}> = $P.JsonObject\n`)
    continue
  }
  const fields: Array<string> = []
  const applyFields: Array<string> = []
  const schemaFields: Array<string> = []
  const meta: Array<string> = []
  for (const [propName, prop] of props) {
    if (gvk !== undefined && (propName === "apiVersion" || propName === "kind")) {
      const literal = JSON.stringify(propName === "apiVersion" ? apiVersionOf(gvk) : gvk.kind)
      fields.push(`${doc(prop.description, "  ")}  readonly ${propName}: ${literal}\n`)
      applyFields.push(`  readonly ${propName}?: ${literal} | undefined\n`)
      schemaFields.push(`  ${propName}: $S.Literal(${literal})`)
      continue
    }
    const t = typeOf(prop, mod)
    const optional = !required.has(propName)
    // Optional fields take `undefined` too (`name: cm.metadata?.name` compiles under
    // `exactOptionalPropertyTypes`); an undefined field is left out of the JSON sent.
    fields.push(
      `${doc(prop.description, "  ")}  readonly ${key(propName)}${optional ? "?" : ""}: ${t.type}${optional ? " | undefined" : ""}\n`
    )
    // A list-map list carries its keys (Resource.applySchema keeps them required in its items).
    const listKeys = isListMap(prop) ? prop["x-kubernetes-list-map-keys"] : undefined
    if (listKeys !== undefined) uses.primitives.add(module)
    const schema =
      listKeys === undefined
        ? t.schema
        : `${t.schema}.annotations({ [$P.ListMapKeys]: ${JSON.stringify(listKeys)} })`
    schemaFields.push(`  ${key(propName)}: ${optional ? `$S.optional(${schema})` : schema}`)
    if (keyed.has(id))
      applyFields.push(`  readonly ${key(propName)}?: ${applyTypeOf(prop, mod)} | undefined\n`)
    const strategy = prop["x-kubernetes-patch-strategy"]
    const mergeKey = prop["x-kubernetes-patch-merge-key"]
    const listType = prop["x-kubernetes-list-type"]
    const mapKeys = prop["x-kubernetes-list-map-keys"]
    // An atomic struct (`x-kubernetes-map-type: atomic` on its definition: LabelSelector...) is
    // atomic wherever it is used.
    const mapType =
      prop["x-kubernetes-map-type"] ??
      (() => {
        const target = prop.$ref ?? prop.items?.$ref
        return target === undefined ? undefined : spec.definitions[refId(target)]?.["x-kubernetes-map-type"]
      })()
    const ref = prop.$ref ?? prop.items?.$ref ?? prop.additionalProperties?.$ref
    const refTarget = ref !== undefined && PRIMITIVES[refId(ref)] === undefined ? refId(ref) : undefined
    if (
      strategy !== undefined ||
      mergeKey !== undefined ||
      listType !== undefined ||
      mapType !== undefined ||
      refTarget !== undefined
    ) {
      const entry = [
        refTarget !== undefined ? `ref: ${JSON.stringify(refTarget)}` : undefined,
        prop.type === "array"
          ? "list: true"
          : prop.additionalProperties !== undefined
            ? "map: true"
            : undefined,
        strategy !== undefined ? `patchStrategy: ${JSON.stringify(strategy)}` : undefined,
        mergeKey !== undefined ? `patchMergeKey: ${JSON.stringify(mergeKey)}` : undefined,
        listType !== undefined ? `listType: ${JSON.stringify(listType)}` : undefined,
        mapKeys !== undefined ? `listMapKeys: ${JSON.stringify(mapKeys)}` : undefined,
        mapType !== undefined ? `mapType: ${JSON.stringify(mapType)}` : undefined,
        // Required: present even when empty in the server's objects (server-side apply's field sets).
        required.has(propName) && (prop.type === "array" || prop.additionalProperties !== undefined)
          ? "required: true"
          : undefined
      ].filter((x) => x !== undefined)
      meta.push(`    ${key(propName)}: { ${entry.join(", ")} }`)
    }
  }
  const schemaName = gvk !== undefined ? `${name}Schema` : name
  mod.types.push(`${doc(def.description, "")}export interface ${name} {\n${fields.join("")}}\n`)
  if (keyed.has(id)) {
    mod.types.push(
      `/**\n * What server-side apply takes of {@link ${name}}: any of its fields, at any depth; the items of\n * list-map lists with their keys.\n */\nexport interface ${name}Apply {\n${applyFields.join("")}}\n`
    )
  }
  const schemaDoc = gvk !== undefined ? `/** The Schema of {@link ${name}}. */\n` : doc(def.description, "")
  mod.schemas.push(
    `${schemaDoc}export const ${schemaName}: $S.Schema<${name}> = $S.Struct({\n${schemaFields.join(",\n")}\n}).annotations({ identifier: ${JSON.stringify(id)} })\n`
  )
  if (meta.length > 0) mod.patchMeta.push(`  ${JSON.stringify(id)}: {\n${meta.join(",\n")}\n  }`)

  if (gvk !== undefined) {
    const info = resources.get(gvKey(gvk))
    if (info !== undefined) {
      const subs = [...info.subresources.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
      const subType = subs.length === 0 ? "never" : subs.map((s) => JSON.stringify(s.name)).join(" | ")
      const verbs = [...info.verbs].filter((v) => v !== "connect").sort()
      const subLines = subs.map((s) => {
        const parts = [
          `name: ${JSON.stringify(s.name)}`,
          s.gvk !== undefined
            ? `group: ${JSON.stringify(s.gvk.group)}, version: ${JSON.stringify(s.gvk.version)}, kind: ${JSON.stringify(s.gvk.kind)}`
            : undefined,
          `verbs: ${JSON.stringify([...s.verbs].sort())}`
        ].filter((x) => x !== undefined)
        return `    ${key(s.name)}: { ${parts.join(", ")} }`
      })
      if (keyed.has(id)) {
        applyKinds.set(module, [
          ...(applyKinds.get(module) ?? []),
          `    ${JSON.stringify(`${apiVersionOf(gvk)}/${gvk.kind}`)}: ${name}Apply`
        ])
      }
      kindRows.push({
        apiVersion: apiVersionOf(gvk),
        kind: gvk.kind,
        plural: info.plural,
        namespaced: info.namespaced
      })
      const listKind = kindDefs.has(id.replace(/\.([A-Za-z0-9]+)$/, ".$1List"))
        ? `${gvk.kind}List`
        : `${gvk.kind}List`
      mod.resources.push(
        `/**\n * The ${gvk.kind} kind (\`${apiVersionOf(gvk)}\`, ${info.namespaced ? "namespaced" : "cluster-scoped"}): pass it to the verbs.\n *\n * @example\n * \`\`\`ts\n * import { ${name} } from "effect-kube/models/${module}"\n *\n * ${name}.plural // ${JSON.stringify(info.plural)}\n * \`\`\`\n */\n` +
          `export const ${name}: $R.Resource<${name}, ${info.namespaced}, ${subType}> = $R.make<${name}, ${info.namespaced}, ${subType}>({\n` +
          `  group: ${JSON.stringify(gvk.group)},\n  version: ${JSON.stringify(gvk.version)},\n  kind: ${JSON.stringify(gvk.kind)},\n` +
          `  listKind: ${JSON.stringify(listKind)},\n  plural: ${JSON.stringify(info.plural)},\n  namespaced: ${info.namespaced},\n` +
          `  verbs: ${JSON.stringify(verbs)},\n  subresources: {\n${subLines.join(",\n")}\n  },\n` +
          `  schema: ${name}Schema.annotations({ parseOptions: { onExcessProperty: "preserve" } })\n})\n`
      )
    } else {
      // A kind without REST paths of its own (Status, Scale, Eviction, WatchEvent, ...): export its Schema
      // under the kind's name as for other definitions.
      mod.resources.push(`/** The Schema of {@link ${name}}. */\nexport const ${name} = ${name}Schema\n`)
    }
  }
}

const HEADER = `// Code generated by scripts/generate-models.ts from the Kubernetes API OpenAPI specification ${specVersion}. DO NOT EDIT.
// Generated from the Kubernetes API OpenAPI specification, (c) The Kubernetes Authors, Apache-2.0.
`

const files = new Map<string, string>()
for (const mod of [...modules.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
  const depth = mod.name.split("/").length
  const up = "../".repeat(depth)
  const imports = [`import * as $S from "effect/Schema"`]
  const from = (local: string, name: string) =>
    runtime === undefined
      ? `import * as ${name} from "${up}resource/${local}.js"`
      : `import { ${local} as ${name} } from "${runtime}"`
  if (mod.resources.some((r) => r.includes("$R."))) imports.push(from("Resource", "$R"))
  const registered = applyKinds.get(mod.name) ?? []
  // Each kind's apply type, found by Resource.ApplyInput through its apiVersion and kind (models
  // generated against the package keep the generic deep-partial: no module path to augment).
  const augmentation =
    runtime === undefined && registered.length > 0
      ? `declare module "${up}resource/Resource.js" {\n  interface ApplyConfigurations {\n${registered.join("\n")}\n  }\n}\n`
      : ""
  if (uses.primitives.has(mod.name)) imports.push(from("Primitives", "$P"))
  if (uses.quantity.has(mod.name)) imports.push(from("Quantity", "$Q"))
  for (const dep of [...mod.imports].sort()) {
    const rel = path.posix.relative(path.posix.dirname(mod.name), dep)
    imports.push(`import * as ${moduleAlias(dep)} from "${rel.startsWith(".") ? rel : `./${rel}`}.js"`)
  }
  const body = [
    HEADER,
    `/**\n * Models of \`${mod.name}\`: interfaces, Schemas and resource kinds.\n *\n * @since 0.1.0\n */\n`,
    imports.join("\n"),
    "",
    mod.types.join("\n"),
    augmentation,
    mod.schemas.join("\n"),
    mod.resources.join("\n"),
    `/** Strategic-merge and list metadata of this module's definitions, by definition and field. */\nexport const patchMetadata = {\n${mod.patchMeta.join(",\n")}\n} as const\n`
  ].join("\n")
  files.set(path.join(OUT, `${mod.name}.ts`), body)
}

// Every built-in kind (the registry of them is kinds/Builtin.ts, which imports this module; this module
// imports no registry, so a program that uses one model bundles only that model).
{
  const kinds: Array<{ readonly module: string; readonly name: string }> = []
  for (const mod of [...modules.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const r of mod.resources) {
      const m = /^export const (\w+): \$R\.Resource</m.exec(r)
      if (m?.[1] !== undefined) kinds.push({ module: mod.name, name: m[1] })
    }
  }
  const used = [...modules.keys()].sort()
  const body = [
    HEADER,
    "/**\n * Every built-in kind and the strategic-merge metadata of every definition (`Builtin.registry` is\n * made of these kinds).\n *\n * @since 0.1.0\n */\n",
    runtime === undefined
      ? `import type * as $R from "../resource/Resource.js"`
      : `import type { Resource as $R } from "${runtime}"`,
    ...used.map((m) => `import * as ${moduleAlias(m)} from "./${m}.js"`),
    "",
    "/** Strategic-merge and list metadata of every definition (the in-memory cluster's strategic merge patch). */",
    `export const patchMetadata = {\n${used.map((m) => `  ...${moduleAlias(m)}.patchMetadata`).join(",\n")}\n}\n`,
    "/** Every built-in kind, each through `f` (a generic function: each kind keeps its own types). */",
    `export const mapKinds = <R>(\n  f: <A extends $R.KubeObject, N extends boolean, S extends string, I>(kind: $R.Resource<A, N, S, I>) => R\n): ReadonlyArray<R> => [\n${kinds.map((k) => `  f(${moduleAlias(k.module)}.${k.name})`).join(",\n")}\n]\n`
  ].join("\n")
  files.set(path.join(OUT, "all.ts"), body)
}

/** The kinds by group version, one line each (see the generated module's description). */
function compactKinds(
  rows: ReadonlyArray<{ apiVersion: string; kind: string; plural: string; namespaced: boolean }>
): string {
  const byVersion = new Map<string, Array<string>>()
  for (const r of rows) {
    const plural = r.plural === `${r.kind.toLowerCase()}s` ? "" : `:${r.plural}`
    byVersion.set(r.apiVersion, [
      ...(byVersion.get(r.apiVersion) ?? []),
      `${r.kind}${plural}${r.namespaced ? "" : "!"}`
    ])
  }
  return [...byVersion].map(([gv, kinds]) => `${gv} ${kinds.join(" ")}`).join("\n")
}

// Where every built-in kind is served, as plain data (no Schema): how the verbs find the kind of an
// object given alone (`Client.apply(object)`) without loading every model.
files.set(
  path.join(OUT, "internal", "kinds.ts"),
  [
    HEADER,
    "/**\n * Where every built-in kind is served, compact (every program that writes objects given alone\n * carries it): a line per group version, `<apiVersion> <kind>[:<plural>][!] ...`; the plural is\n * left out where it is the kind in lower case plus `s`; `!` marks a cluster-scoped kind.\n *\n * @internal\n */\n",
    `export const builtinKinds = ${JSON.stringify(compactKinds(kindRows))}\n`
  ].join("\n")
)

if (check) {
  const stale: Array<string> = []
  for (const [file, content] of files) {
    if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== content)
      stale.push(path.relative(ROOT, file))
  }
  if (stale.length > 0) {
    console.error(`generated models are stale (run npm run generate): ${stale.join(", ")}`)
    process.exit(1)
  }
  console.log(`models: ${files.size} modules match the generator`)
} else {
  fs.rmSync(OUT, { recursive: true, force: true })
  for (const [file, content] of files) {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, content)
  }
  console.log(`wrote ${files.size} modules to ${path.relative(ROOT, OUT)} (${specVersion})`)
}
