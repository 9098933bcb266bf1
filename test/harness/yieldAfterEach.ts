/**
 * After each test, one turn of the event loop (setImmediate) before the next starts: vitest 3's
 * worker calls back to the main process (`onTaskUpdate`) with a 60-second limit it cannot be given
 * more of, and on a loaded 2-core machine those calls timed out while every test passed, failing
 * the run ("[vitest-worker]: Timeout calling onTaskUpdate"; vitest-dev/vitest#6479, workaround from
 * discussion #6511, as fast-check adopted it). The pause lets the worker read the main process's
 * answers between tests.
 */
import { afterEach } from "vitest"

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)))
