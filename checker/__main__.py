"""``python -m replcheck.checker`` is the ``replcheck`` command."""

import sys

from .cli import main

sys.exit(main())
