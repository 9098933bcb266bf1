import { InMemoryCluster } from "../../src/testing/index.js"
import { contractSuite } from "../contract/suite.js"

contractSuite("in-memory cluster", InMemoryCluster.layer())
