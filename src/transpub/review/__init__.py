"""Review: entry and article actions, accounts, and the review web app."""
