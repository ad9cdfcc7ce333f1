"""在线访谈: scheduled online interviews, citizens' questions, moderation, live answers (docs/interviews.md)."""
