"""`python -m dozor` runs the `dozor` command."""

from dozor.cli import main

main()
