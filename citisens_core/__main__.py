import sys

from citisens_core.cli import main

sys.exit(main())
