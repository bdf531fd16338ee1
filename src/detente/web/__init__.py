"""The web app (FastAPI): forecasts, what-if sliders and the report in a browser."""
