"""``python -m services.projections``: the projections worker."""

import sys

from services.projections.app import main

sys.exit(main())
