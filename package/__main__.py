"""``python -m replcheck`` is the ``replcheck`` command."""

import sys

from replcheck.checker.cli import main

sys.exit(main())
