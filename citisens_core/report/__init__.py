"""Council-ready outputs: the area report (PDF), static map images (PNG, SVG), and the
recognisable map context (water, gemeente borders, names) they share with the app."""
