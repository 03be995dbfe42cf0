"""ordertui: a terminal order manager for cancelling exchange orders."""

__version__ = "0.1.0"
