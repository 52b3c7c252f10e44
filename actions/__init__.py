"""rasa-sdk actions of the Hue citizen assistant (run by the action server, Python 3.11)."""
