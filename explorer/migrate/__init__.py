"""Migration: rewrite removed Ingress apiVersions as v1 (and, later, Ingress as Gateway API), with the proof."""
