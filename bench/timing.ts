/**
 * Timing helpers shared by the benchmarks: the median of samples, a function timed over runs after
 * a warm-up, and a result row with its ratio to the baseline measured in the same run.
 */

/** The median of samples (0 for none). */
export const median = (xs: ReadonlyArray<number>) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

/** The median time of `runs` calls of `f` in ms, after one call as a warm-up. */
export const timeRuns = async (f: () => Promise<unknown>, runs: number): Promise<number> => {
  await f() // warm-up
  const samples: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    await f()
    samples.push(performance.now() - t)
  }
  return median(samples)
}

/** Prints a row: its label, its time and its ratio to `base` (the time padded to `width`). */
export const row = (label: string, ms: number, base: number, width = 8) =>
  console.log(`  ${label.padEnd(44)} ${ms.toFixed(1).padStart(width)} ms  ${(ms / base).toFixed(2)}x`)
