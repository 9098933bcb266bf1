/**
 * Reading stored objects: their metadata and its string fields, and the timestamps the server
 * writes into them.
 *
 * @internal
 */
import { isObject, type Json, type JsonObject } from "./patch.js"

/** An object's metadata (empty when it has none). */
export const meta = (o: JsonObject): JsonObject => (isObject(o.metadata) ? o.metadata : {})

/** A string, or `undefined` for anything else. */
export const str = (j: Json | undefined): string | undefined => (typeof j === "string" ? j : undefined)

/** The time now, as the apiserver writes timestamps (seconds, UTC). */
export const now = () => `${new Date().toISOString().slice(0, 19)}Z`
