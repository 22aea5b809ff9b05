"""The initial meeting's forms: the Focal Points and Decision Points Checklists and the
Individual Mentoring Plan, with the content advisor's review."""
