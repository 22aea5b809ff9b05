"""Several programs side by side: whose program a request is about, `--program KEY`, and
staff answers across every program with a part for each."""
