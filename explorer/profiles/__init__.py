"""Controller behaviour as data (the ingress-nginx annotation catalog lives here)."""
