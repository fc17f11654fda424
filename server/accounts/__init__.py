"""Accounts over HTTP and the shell: sign-in, settings, invitations, staff, the second factor."""
