"""Who does what, when: viewflow flows over the `filing` domain. Imports `filing`, never the reverse."""
