"""The annotations the Ingress compiler reads (others are named by lint, never silently applied)."""

USE_REGEX = "nginx.ingress.kubernetes.io/use-regex"
REWRITE_TARGET = "nginx.ingress.kubernetes.io/rewrite-target"
ALLOW_HTTP = "kubernetes.io/ingress.allow-http"
SSL_REDIRECT = "nginx.ingress.kubernetes.io/ssl-redirect"
FORCE_SSL_REDIRECT = "nginx.ingress.kubernetes.io/force-ssl-redirect"
PRESERVE_TRAILING_SLASH = "nginx.ingress.kubernetes.io/preserve-trailing-slash"
FRONTEND_CONFIG = "networking.gke.io/v1beta1.FrontendConfig"
GKE_CERT_ANNOTATIONS = ("ingress.gcp.kubernetes.io/pre-shared-cert", "networking.gke.io/managed-certificates")
