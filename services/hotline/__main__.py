"""``python -m services.hotline``: run the hotline service in the foreground until SIGINT/SIGTERM.

Exit 2 when settings are unusable or Redis cannot be reached or used (shared/intake/foreground.py).
"""

from __future__ import annotations

import sys

from services.hotline import config
from services.hotline.app import serve
from shared.intake import foreground


def main() -> int:
    """Run until stopped; 0 when stopped by a signal, 2 when it cannot run."""
    return foreground.run("hotline", config.from_env, serve)


if __name__ == "__main__":
    sys.exit(main())
