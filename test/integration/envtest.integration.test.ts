import * as https from "node:https"
import { describe, expect, inject, it } from "vitest"

const get = (url: string, options: https.RequestOptions) =>
  new Promise<number>((resolve, reject) => {
    https
      .get(url, options, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      .on("error", reject)
  })

describe("test bed", () => {
  it("serves a real apiserver over verified TLS with the admin token", async () => {
    const env = inject("envtest")
    const status = await get(`${env.server}/api/v1/namespaces`, {
      ca: env.caData,
      headers: { authorization: `Bearer ${env.adminToken}` }
    })
    expect(status).toBe(200)
  })
})
