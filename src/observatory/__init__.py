"""Django project of the Case Review Observatory: thin apps around observatory_core."""
