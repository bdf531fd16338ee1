"""detente: forecasts of how coercive negotiations between states end."""

from detente.errors import DetenteError

__version__ = "0.1.0"

__all__ = ["DetenteError", "__version__"]
