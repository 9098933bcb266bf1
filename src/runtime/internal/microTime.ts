/**
 * Kubernetes timestamps from epoch milliseconds: `MicroTime` (six fraction digits, as the
 * apiserver writes them: `eventTime`, Lease times) and `Time` (whole seconds).
 */

/** `2026-11-26T19:30:00.123000Z`. */
export const microTime = (millis: number): string => new Date(millis).toISOString().replace(/Z$/, "000Z")

/** `2026-11-26T19:30:00Z`. */
export const time = (millis: number): string => new Date(millis).toISOString().replace(/\.\d{3}Z$/, "Z")
