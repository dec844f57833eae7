"""Load tools for Parley: they drive a running deployment over HTTP only (see README, Performance).

Run from the project root, e.g. `.venv/bin/python -m bench.latency --help`.
"""
