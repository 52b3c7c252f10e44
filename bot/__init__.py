"""Runtime of the Hue citizen assistant: settings, launcher, Vietnamese NLU components."""
