"""Text embedders behind one small interface, created by name from a registry."""

from models.base import Embedder
from models.registry import available_embedders, create_embedder

__all__ = ["Embedder", "available_embedders", "create_embedder"]
