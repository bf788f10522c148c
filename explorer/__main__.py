"""`python -m explorer` is the same as `ingress-explorer`."""

from explorer.cli import main

raise SystemExit(main())
