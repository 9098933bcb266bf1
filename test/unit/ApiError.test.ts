import { describe, expect, it } from "@effect/vitest"
import { ApiError } from "../../src/index.js"

describe("ApiError.statusFromBody", () => {
  it("decodes the server's Status (apiVersion may be missing), the code from the body", () => {
    const status = ApiError.statusFromBody(
      500,
      JSON.stringify({
        kind: "Status",
        status: "Failure",
        code: 409,
        reason: "Conflict",
        message: "apply conflict",
        details: {
          name: "x",
          kind: "configmaps",
          causes: [{ field: ".data.a", message: 'conflict with "m"' }]
        }
      })
    )
    expect(status).toEqual({
      apiVersion: "v1",
      kind: "Status",
      status: "Failure",
      code: 409,
      reason: "Conflict",
      message: "apply conflict",
      details: { name: "x", kind: "configmaps", causes: [{ field: ".data.a", message: 'conflict with "m"' }] }
    })
  })

  it("a Status with fields of the wrong type keeps its code, reason, message and the details that fit", () => {
    const status = ApiError.statusFromBody(
      500,
      JSON.stringify({
        kind: "Status",
        code: 410,
        reason: "Expired",
        message: "too old resource version",
        metadata: null,
        details: { causes: null, retryAfterSeconds: "5", name: "x" }
      })
    )
    expect(status).toEqual({
      apiVersion: "v1",
      kind: "Status",
      code: 410,
      reason: "Expired",
      message: "too old resource version",
      details: { name: "x" }
    })
  })

  it("a body that is not a Status: the HTTP code, its reason, and the text", () => {
    expect(ApiError.statusFromBody(503, "upstream connect error")).toEqual({
      apiVersion: "v1",
      kind: "Status",
      status: "Failure",
      code: 503,
      reason: "ServiceUnavailable",
      message: "upstream connect error"
    })
    expect(ApiError.statusFromBody(404, "").message).toBe("HTTP 404")
  })
})
