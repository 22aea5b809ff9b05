"""Teams and people: registering a pair (modal and CSV import), the team card, replacing a
member and ending a team, and what the people affected are told."""
