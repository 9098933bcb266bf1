/**
 * Text checks shared by request building.
 *
 * @internal
 */

/** With the `u` flag a surrogate range matches only surrogates that are not part of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u

/** Whether a string holds a lone surrogate: not well-formed Unicode, sent as U+FFFD if encoded. */
export const hasLoneSurrogate = (value: string): boolean => LONE_SURROGATE.test(value)
