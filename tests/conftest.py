"""Fixtures shared across test directories."""

from container_image import container_engine, container_image

__all__ = ["container_engine", "container_image"]
