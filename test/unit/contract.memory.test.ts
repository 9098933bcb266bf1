import { InMemoryCluster } from "../../src/index.js"
import { contractSuite } from "../contract/suite.js"

contractSuite("in-memory cluster", InMemoryCluster.layer())
