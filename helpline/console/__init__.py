"""The staff console and the operators' studio (web), and the accounts that log in to them."""
