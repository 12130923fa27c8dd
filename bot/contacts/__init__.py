"""Who to contact: a community's (and its grids') public contacts, kept by staff, shown to residents."""
