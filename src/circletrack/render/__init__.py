"""Renderers: they return strings, bytes or Rich objects and never print."""
