"""Edges: command-line interface and (later) the HTTP service."""
