"""Streamlit helpers shared by the pages of the atlas.

Apart from ``pages/`` this package is the only code that imports streamlit;
the domain logic lives in :mod:`citisens_core`.
"""
