"""Sandbox mode: no Twilio account, a simulated phone at /sandbox."""
