"""microgpt studio: the Qt window around microgpt."""
