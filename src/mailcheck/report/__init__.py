"""Renderers: a diagnosis as text for people or JSON for machines."""
