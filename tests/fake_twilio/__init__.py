"""A local stand-in for Twilio's REST API and webhook client, for tests (twilio.md §8)."""
