"""The vulnerable register: graded households, who keeps in touch, and nobody left unheard for long."""
