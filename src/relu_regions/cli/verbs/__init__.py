"""One module per CLI verb; discovered by :func:`relu_regions.cli.build_parser`."""
