"""`python -m dozor.cli` runs the `dozor` command (useful before the console script is installed)."""

from dozor.cli import main

main()
