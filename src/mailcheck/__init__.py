"""mailcheck: find out why an e-mailed invoice did not reach the customer."""

__version__ = "0.1.0"
