"""Accounts: users, login sessions, bearer tokens, invites."""
