"""Generate a cluster dump the size of a real cluster, as `kubectl get -o yaml` prints it.

Shared by the load benchmark and the TUI's large-dump measurement.
"""

from __future__ import annotations

from pathlib import Path


def _pod(i: int, app: int) -> str:
    return f"""- apiVersion: v1
  kind: Pod
  metadata:
    name: app{app}-7d9f8c6b5-{i:05d}
    namespace: ns{app % 50}
    creationTimestamp: "2024-03-01T12:00:00Z"
    labels:
      app: app{app}
      pod-template-hash: 7d9f8c6b5
      tier: backend
    annotations:
      kubectl.kubernetes.io/restartedAt: "2024-03-01T11:59:00Z"
    ownerReferences:
    - apiVersion: apps/v1
      kind: ReplicaSet
      name: app{app}-7d9f8c6b5
      uid: 0b9c3f6e-{i:04d}-4c1f-9d7e-0c4f8e2a1b3c
      controller: true
  spec:
    containers:
    - name: web
      image: registry.example.com/app{app}:1.{i % 40}.0
      ports:
      - name: http
        containerPort: 8080
        protocol: TCP
      readinessProbe:
        httpGet:
          path: /healthz
          port: http
          scheme: HTTP
        periodSeconds: 10
        timeoutSeconds: 1
        successThreshold: 1
        failureThreshold: 3
      env:
      - name: APP_NAME
        value: app{app}
      - name: LOG_LEVEL
        value: info
      resources:
        requests:
          cpu: 100m
          memory: 128Mi
        limits:
          memory: 256Mi
      volumeMounts:
      - name: kube-api-access
        mountPath: /var/run/secrets/kubernetes.io/serviceaccount
        readOnly: true
    dnsPolicy: ClusterFirst
    restartPolicy: Always
    serviceAccountName: default
    terminationGracePeriodSeconds: 30
    nodeName: node-{i % 30}
    volumes:
    - name: kube-api-access
      projected:
        defaultMode: 420
        sources:
        - serviceAccountToken:
            expirationSeconds: 3607
            path: token
  status:
    phase: Running
    podIP: 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}
    conditions:
    - type: Ready
      status: "True"
    - type: ContainersReady
      status: "True"
"""


def _service(i: int) -> str:
    return f"""- apiVersion: v1
  kind: Service
  metadata:
    name: app{i}
    namespace: ns{i % 50}
    labels:
      app: app{i}
  spec:
    type: NodePort
    selector:
      app: app{i}
    ports:
    - name: http
      port: 80
      targetPort: http
      nodePort: {30000 + i % 2768}
      protocol: TCP
"""


def _ingress(i: int, services: int) -> str:
    paths = "".join(
        f"""        - path: /p{j}
          pathType: Prefix
          backend:
            service:
              name: app{(i + j * 50) % services}
              port:
                name: http
"""
        for j in range(5)
    )
    return f"""- apiVersion: networking.k8s.io/v1
  kind: Ingress
  metadata:
    name: ing{i}
    namespace: ns{i % 50}
    annotations:
      nginx.ingress.kubernetes.io/proxy-body-size: 8m
  spec:
    ingressClassName: nginx
    rules:
    - host: h{i}.example.com
      http:
        paths:
{paths}"""


def write_dump(path: Path, ingresses: int = 2000, services: int = 5000, pods: int = 20000) -> Path:
    with path.open("w") as out:
        out.write("apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: \"\"\nitems:\n")
        for i in range(services):
            out.write(_service(i))
        for i in range(ingresses):
            out.write(_ingress(i, services))
        for i in range(pods):
            out.write(_pod(i, i % services))
    return path
