"""Understanding news: show matching, events, seasons, dates, and stories across outlets."""
