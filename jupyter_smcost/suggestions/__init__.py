"""Savings: the account's own facts turned into priced advice, and the actions it offers.

`model` holds the value types (facts in, suggestions out); `rules/` one small pure module
per cost lever; `engine` runs them; `collect` gathers the facts from AWS in the background;
`actions` carries out what a user confirms; `store` keeps dismissals and the audit log.
"""
