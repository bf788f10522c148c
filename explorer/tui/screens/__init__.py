"""The app's screens: explore and flow/requests (modes), the editor, help and confirmation."""
