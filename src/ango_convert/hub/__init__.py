"""Talking to Ango Hub: the HTTP client, label upload, attachments and export download.

Nothing here imports the converters; the CLI wires the two together.
"""
