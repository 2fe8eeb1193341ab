"""Calls: the voice flow spoken and gathered, transfers to on-call staff, the crisis line."""
