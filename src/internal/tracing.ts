/**
 * Whether a span made by a fiber would be seen by anyone: the program installed a tracer of its own
 * (e.g. @effect/opentelemetry's) and tracing is on. Effect's default tracer keeps its spans nowhere,
 * so the hot paths (a request, an answer) skip making them — and the two context changes each span
 * costs — when it is the fiber's tracer.
 */
import { Context, DefaultServices, Effect, type Fiber, FiberRef, Tracer } from "effect"

let defaultTracer: Tracer.Tracer | undefined
/** Effect's default tracer (read once): its spans go nowhere. */
const nativeTracer = (): Tracer.Tracer => {
  defaultTracer ??= Effect.runSync(Effect.tracer)
  return defaultTracer
}

/** Whether the spans of `fiber` would be seen (see the module's comment). */
export const spansSeenBy = (fiber: Fiber.RuntimeFiber<unknown, unknown>): boolean =>
  fiber.getFiberRef(FiberRef.currentTracerEnabled) &&
  Context.get(fiber.getFiberRef(DefaultServices.currentServices), Tracer.Tracer) !== nativeTracer()
