"""The live edge: read a cluster through the official kubernetes client, watch it, reach its Pods.

Import the modules, not this package, and only when a cluster is asked for:
the kubernetes client takes most of a second to import.

- `kubeconfig.connect(ClusterTarget(...))`: kubeconfig found as kubectl finds it.
- `contexts.read_contexts()`: the kubeconfig's contexts as plain YAML, without importing the client.
- `source.LiveSource`: the ClusterSource for a cluster (`snapshot()`, `changes()`, `forward()`).
- `record.write_recording`: what `ingress-explorer record` writes, replayable with `-f`.
- `portforward.PortForwarder`: a loopback port that reaches a Pod's port, as `kubectl port-forward`.

Only GET is sent (get, list, watch; a port-forward is a GET WebSocket upgrade,
which RBAC counts as `create pods/portforward`).
"""
