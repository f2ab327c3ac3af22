"""Retrieval, fusion, explanation and evaluation over an innovation corpus."""
