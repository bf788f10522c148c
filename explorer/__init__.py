"""ingress-explorer: teach and debug Kubernetes Ingress from a terminal."""

__version__ = "0.1.0"
