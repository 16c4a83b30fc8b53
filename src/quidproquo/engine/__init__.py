"""The month: the model, its actors and goods, the talks, the random streams and the record."""
