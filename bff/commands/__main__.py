"""``python -m bff.commands``: the craftkit-bff command line."""

from . import main

raise SystemExit(main())
