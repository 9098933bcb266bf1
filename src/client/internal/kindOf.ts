/**
 * The kind of an object given alone (`Client.apply(object)`): from the registry given, else the
 * built-in kinds (a table of where each is served, without their models), else the cluster's
 * discovery document of the object's group version (asked once per lookup cache).
 *
 * @internal
 */
import type { HttpClient } from "@effect/platform"
import { Effect, Either, Option, type ParseResult } from "effect"
import * as Registry from "../../kinds/Registry.js"
import { builtinKinds } from "../../models/internal/kinds.js"
import { InvalidRequest } from "../../resource/InvalidRequest.js"
import * as Resource from "../../resource/Resource.js"
import * as Discovery from "../Discovery.js"

/** A kind found for an object: generic (its objects are JSON with typed metadata). */
export type Kind = Resource.Resource<Resource.GenericObject, boolean, string>

/** What the cluster's discovery documents said, by group version (shared by the objects of a batch). */
export type DiscoveryCache = Map<string, ReadonlyArray<Registry.Entry>>

let builtin: Map<string, Kind> | undefined

const builtinKind = (apiVersion: string, kind: string): Kind | undefined => {
  if (builtin === undefined) {
    builtin = new Map()
    for (const line of builtinKinds.split("\n")) {
      const [gv = "", ...entries] = line.split(" ")
      const [group, version] = gv.includes("/") ? gv.split("/") : ["", gv]
      for (const entry of entries) {
        const global = entry.endsWith("!")
        const [k = "", plural = `${k.toLowerCase()}s`] = (global ? entry.slice(0, -1) : entry).split(":")
        const definition = { group: group ?? "", version: version ?? "", kind: k, plural, subresources: [] }
        builtin.set(`${gv}|${k}`, global ? Resource.global(definition) : Resource.namespaced(definition))
      }
    }
  }
  return builtin.get(`${apiVersion}|${kind}`)
}

/** The `apiVersion` and `kind` of an object, refused when missing (an object alone names its kind). */
export const kindNameOf = (
  object: Resource.KubeObject
): Effect.Effect<readonly [string, string], InvalidRequest> =>
  typeof object.apiVersion === "string" &&
  object.apiVersion !== "" &&
  typeof object.kind === "string" &&
  object.kind !== ""
    ? Effect.succeed([object.apiVersion, object.kind] as const)
    : Effect.fail(
        new InvalidRequest({ detail: "an object given without its kind needs apiVersion and kind" })
      )

/** A kind found, and how its objects are written (its Schema's encoding where the registry has it). */
export interface Found {
  readonly kind: Kind
  readonly encode: (object: unknown) => Either.Either<unknown, ParseResult.ParseError>
}

/** The built-in models and generic kinds are their JSON: written as they are. */
const asIs = (kind: Kind): Found => ({ kind, encode: Either.right })

/** The kind of an object. */
export const kindOf = (
  object: Resource.KubeObject,
  registry: Registry.Registry | undefined,
  cache: DiscoveryCache = new Map()
): Effect.Effect<Found, Discovery.LoadError | InvalidRequest | Registry.UnknownKind, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const [apiVersion, kind] = yield* kindNameOf(object)
    const registered = registry === undefined ? Option.none() : Registry.get(registry, apiVersion, kind)
    if (Option.isSome(registered)) return { kind: registered.value.generic, encode: registered.value.encode }
    const known = builtinKind(apiVersion, kind)
    if (known !== undefined) return asIs(known)
    let served = cache.get(apiVersion)
    if (served === undefined) {
      // A group version the cluster does not serve (404) has no kinds.
      served = yield* Discovery.groupVersion(apiVersion).pipe(
        Effect.catchIf(
          (e) => e._tag === "ApiError" && e.code === 404,
          () => Effect.succeed([])
        )
      )
      cache.set(apiVersion, served)
    }
    const found = served.find((e) => e.info.kind === kind)
    if (found !== undefined) return asIs(found.generic)
    return yield* new Registry.UnknownKind({ apiVersion, kind })
  })
