"""Server-rendered Indonesian web page for regional heads."""
