"""Program years: opening the next school year (year one's teams carry on in year two, the
year just ended is closed and kept) and reading an earlier year's records."""
