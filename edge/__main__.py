"""`python -m edge` runs the `dozor` command."""

from edge.cli import main

main()
