"""residency: static proof of data-plane region and account residency."""

__version__ = "0.1.0"
