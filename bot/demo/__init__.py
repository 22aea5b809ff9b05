"""`mentorbot demo`: the world the scenes act in (imports no feature) and the year that runs
every feature's scenes through the production delivery path."""
