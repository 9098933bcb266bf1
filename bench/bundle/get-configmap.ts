// The bundle-budget program (scripts/check-bundle.ts): one get of one kind. The layers (KubeConfig,
// HttpClient) are the application's choice and not part of the budget.
import { Client } from "effect-kube"
import { ConfigMap } from "effect-kube/models/core/v1"

export const program = Client.get(ConfigMap, "settings", { namespace: "default" })
