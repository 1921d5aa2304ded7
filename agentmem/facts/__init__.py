"""What is true, and since when: the attribute vocabulary, fact extraction, conflicts and
their resolution, review (undo, restore) and the lifecycle of facts."""
