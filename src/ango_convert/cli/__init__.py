"""The command line: one module per command group, all thin wiring over the library."""
