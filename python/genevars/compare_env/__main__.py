"""``python -m genevars.compare_env``: compare this environment with every Ray node."""

import sys

from genevars.compare_env import main

sys.exit(main())
