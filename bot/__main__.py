"""`python -m bot` is the `migrabot` command."""

import sys

from bot.cli import main

sys.exit(main())
