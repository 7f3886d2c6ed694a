"""Learning into practice (issue 17): the publication gate, the briefing form and the
suppression of the public site's figures. Framework-free; the Django side is
``observatory.learning``."""
