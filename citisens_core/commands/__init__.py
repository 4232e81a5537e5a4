"""One module per CLI command; see :mod:`citisens_core.cli`."""
