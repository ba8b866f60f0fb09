"""The program: the `dozor` command line, the daemon's supervisor and the services it composes, and the demo.

This is the top of the layers (docs/architecture.md): it may import every other package, and none imports it.
"""
