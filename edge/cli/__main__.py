"""`python -m edge.cli` runs the `dozor` command (useful before the console script is installed)."""

from edge.cli import main

main()
