"""Forum pairing at the edge: read participant files, write agendas."""
