"""Who is talking: signed shopper tokens and the identity they prove."""
