"""One module per format; each exposes a ``FORMAT`` :class:`~ango_convert.registry.FormatSpec`."""
