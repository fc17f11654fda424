"""The journal: check-ins, entries, prompts and prompt assignments."""
