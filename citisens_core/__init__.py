"""Citisens engagement atlas: the pure domain core (no Streamlit here)."""

__version__ = "0.1.0"
