import { inject } from "vitest"
import { contractSuite } from "../contract/suite.js"
import { clientLayer } from "../harness/Namespace.js"

contractSuite("real apiserver", clientLayer(inject("envtest").kubeconfigs["admin-cert"]))
