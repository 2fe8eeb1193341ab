"""SMS and voice helpline routing for addiction recovery."""

__version__ = "0.1.0"
