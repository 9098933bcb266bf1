/**
 * Guards over decoded JSON shared by the modules.
 *
 * @internal
 */

/** A JSON object (not an array, not null). */
export const isRecord = (u: unknown): u is { readonly [key: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)
