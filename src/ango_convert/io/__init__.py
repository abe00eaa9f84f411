"""Shared file plumbing: JSON and YAML, atomic outputs, safe names, image sizes."""
