"""Pathways service: HTTP API, pages, storage and the ``pathways`` command line."""
