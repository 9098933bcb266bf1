/**
 * The order in which objects are applied (and, reversed, deleted): what each kind may need comes
 * before it (`Codec.sortObjects`, `Client.applyAll`, `Client.deleteAll`).
 *
 * @internal
 */

/** Apply order: what other objects depend on first (Helm's install order, CRDs and namespaces first). */
const ORDER: ReadonlyArray<string> = [
  "Namespace",
  "CustomResourceDefinition",
  "PriorityClass",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "PodDisruptionBudget",
  "ServiceAccount",
  "Secret",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicationController",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "IngressClass",
  "Ingress",
  "APIService"
]
/** Webhooks go last on apply (first on delete), so they do not intercept the objects before them. */
const LAST: ReadonlyArray<string> = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]

const rank = (kind: string): number => {
  const i = ORDER.indexOf(kind)
  if (i >= 0) return i
  const j = LAST.indexOf(kind)
  // Kinds not listed (custom resources among them) come after the built-in ones they may need.
  return j >= 0 ? ORDER.length + 1 + j : ORDER.length
}

/** Objects in apply order (`reverse`: delete order); stable within a kind. */
export const sortObjects = <A extends { readonly kind: string }>(
  objects: ReadonlyArray<A>,
  options: { readonly reverse?: boolean | undefined } = {}
): Array<A> => {
  const indexed = objects.map((o, i) => ({ o, i, r: rank(o.kind) }))
  indexed.sort((a, b) => (a.r !== b.r ? a.r - b.r : a.i - b.i))
  const sorted = indexed.map((x) => x.o)
  if (options.reverse !== true) return sorted
  // Reverse the kinds, keep the order within a kind.
  const groups: Array<Array<A>> = []
  let last: number | undefined
  for (const x of indexed) {
    if (x.r !== last) groups.push([])
    groups[groups.length - 1]?.push(x.o)
    last = x.r
  }
  return groups.reverse().flat()
}
