"""Crisis resources: who to call or text, chosen by country, editable by a clinic's admins."""
