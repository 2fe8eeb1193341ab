"""The meeting directory: import programs' own feeds, search the next meetings that fit.

record.py       the canonical meeting (Meeting Guide names, ambiguities removed)
source.py       where a feed comes from and how to read its codes
importers/      one small module per feed format (Meeting Guide, BMLT, CSV)
directory.py    the Redis store: an import is an atomic sync of one source
search.py       next meetings near a ZIP code, or online
"""
