"""``python -m mailcheck``."""

from mailcheck.cli import main

main()
